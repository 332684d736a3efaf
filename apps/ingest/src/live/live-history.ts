/** One item of a stream's live feed, as sent to the page. */
export type LiveItem =
  | { readonly kind: 'event'; readonly ts: number; readonly values: readonly number[] }
  | {
      readonly kind: 'prediction';
      /** The time of the event it was made at; it forecasts the stream's next event. */
      readonly ts: number;
      readonly output: readonly number[];
      readonly version: number;
      /** Alert threshold for the next event, in residual units; absent while warming up. */
      readonly threshold?: number;
    }
  | { readonly kind: 'alert'; readonly ts: number; readonly score: number; readonly expected: readonly number[]; readonly actual: readonly number[]; readonly version: number };

export interface HistoryOptions {
  /** Events (and as many predictions) kept per stream: what the chart shows. Default 300. */
  readonly points?: number;
  /** Alerts kept per stream. Default 50. */
  readonly alerts?: number;
  /** Streams kept; the least recently active is dropped beyond. Default 5000. */
  readonly maxStreams?: number;
  /** Estimated bytes of all items together; the least recently active streams go first. Default 32 MiB. */
  readonly maxBytes?: number;
}

interface Kept {
  readonly events: LiveItem[];
  readonly predictions: LiveItem[];
  readonly alerts: LiveItem[];
  bytes: number;
}

/**
 * A rough size of an item in the V8 heap: object and array headers plus 8 bytes a number. Only
 * the order of magnitude matters: it keeps wide streams from multiplying the memory used.
 */
export const itemBytes = (item: LiveItem): number => {
  switch (item.kind) {
    case 'event':
      return 96 + 8 * item.values.length;
    case 'prediction':
      return 112 + 8 * item.output.length;
    case 'alert':
      return 160 + 8 * (item.expected.length + item.actual.length);
  }
};

/** The recent items of the streams seen last, bounded by count per stream, streams and bytes. */
export class LiveHistory {
  private readonly points: number;
  private readonly maxAlerts: number;
  private readonly maxStreams: number;
  private readonly maxBytes: number;
  private readonly streams = new Map<string, Kept>();
  private totalBytes = 0;

  constructor(options: HistoryOptions = {}) {
    this.points = options.points ?? 300;
    this.maxAlerts = options.alerts ?? 50;
    this.maxStreams = options.maxStreams ?? 5000;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  }

  get size(): number {
    return this.streams.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Stream ids, most recently active first. */
  ids(): string[] {
    return [...this.streams.keys()].reverse();
  }

  /** Events first, then predictions and alerts: the page pairs them by time, not by order. */
  items(stream: string): LiveItem[] {
    const k = this.streams.get(stream);
    return k === undefined ? [] : [...k.events, ...k.predictions, ...k.alerts];
  }

  add(stream: string, item: LiveItem): void {
    let k = this.streams.get(stream);
    if (k === undefined) {
      if (this.streams.size >= this.maxStreams) this.drop(this.streams.keys().next().value!);
      k = { events: [], predictions: [], alerts: [], bytes: 0 };
    } else this.streams.delete(stream); // re-insert: Map order = recency
    this.streams.set(stream, k);
    const list = item.kind === 'event' ? k.events : item.kind === 'prediction' ? k.predictions : k.alerts;
    const cap = item.kind === 'alert' ? this.maxAlerts : this.points;
    const size = itemBytes(item);
    list.push(item);
    k.bytes += size;
    this.totalBytes += size;
    if (list.length > cap) {
      const old = itemBytes(list.shift()!);
      k.bytes -= old;
      this.totalBytes -= old;
    }
    // Never the stream just added to: one stream wider than the budget still shows its last item.
    while (this.totalBytes > this.maxBytes && this.streams.size > 1) this.drop(this.streams.keys().next().value!);
  }

  private drop(stream: string): void {
    const k = this.streams.get(stream);
    if (k === undefined) return;
    this.totalBytes -= k.bytes;
    this.streams.delete(stream);
  }
}
