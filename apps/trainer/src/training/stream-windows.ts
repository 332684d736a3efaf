import { scalerStateSize, updateScaler } from '@streamcell/model';
import type { HeldEvent } from './model-space';

/**
 * Per-stream windows of recent events for online training, with a bound on the number of streams.
 *
 * Each window keeps the stream's last `windowSize` events (raw values, and the stream's scaler
 * location/scale after each, computed as inference computes them) plus a TBPTT cursor: events
 * before `cursor` have been trained on, and `carried` is the stream's detached hidden state right
 * before `events[cursor]` (null = zeros). Training the next segment starts from `carried`, so a
 * stream's state flows from one round to the next without gradients flowing back (truncated BPTT).
 */
export interface StreamWindow {
  readonly id: string;
  /** Oldest first; at most windowSize. */
  readonly events: HeldEvent[];
  /**
   * The stream's running scaler state ([count, mean(F), var(F)], libs/model updateScaler), in
   * float32 as inference's state table holds it: in float64 the trainer scaled a large, slowly
   * drifting stream (1e6 moving 0.01 an event) up to 0.9 apart from what inference feeds the
   * network, so it trained and validated on inputs the served model never sees.
   */
  readonly scaler: Float32Array;
  /** Index of the first event not yet trained on. */
  cursor: number;
  /** Detached recurrent state before events[cursor], one array per state tensor; null = zeros. */
  carried: Float32Array[] | null;
  /** Round in which the stream last contributed a live segment (fairness: least recent first). */
  lastTrainedRound: number;
  /** Events that have left the window, ever: what moved under a batch trained meanwhile. */
  shifted: number;
}

export interface WindowsOptions {
  /** Events kept per stream. */
  readonly windowSize: number;
  /** Streams kept; the least recently seen is dropped first. */
  readonly maxStreams: number;
  /** Half-life (events) of the per-stream scaler; the model's streamScaling.halfLife. */
  readonly scalingHalfLife: number;
}

export class StreamWindows {
  /** Map iteration order is recency order: a touched stream is re-inserted at the end. */
  private readonly windows = new Map<string, StreamWindow>();
  private heldEvents = 0;
  /** Streams dropped because maxStreams was reached. */
  evictedStreams = 0;
  /** Untrained events that fell out of a window before a round reached them (state continuity lost). */
  skippedEvents = 0;

  /** Half-life of the per-stream scalers (the served spec's streamScaling.halfLife). */
  scalingHalfLife: number;

  constructor(private readonly options: WindowsOptions) {
    this.scalingHalfLife = options.scalingHalfLife;
  }

  get streams(): number {
    return this.windows.size;
  }

  /** Events held over all windows. */
  get events(): number {
    return this.heldEvents;
  }

  get(id: string): StreamWindow | undefined {
    return this.windows.get(id);
  }

  /** Windows, least recently seen first. */
  all(): StreamWindow[] {
    return [...this.windows.values()];
  }

  add(id: string, values: Float32Array): void {
    let w = this.windows.get(id);
    if (w === undefined) {
      w = { id, events: [], scaler: new Float32Array(scalerStateSize(values.length)), cursor: 0, carried: null, lastTrainedRound: -1, shifted: 0 };
      if (this.windows.size >= this.options.maxStreams) this.evictOldest();
    } else {
      this.windows.delete(id);
    }
    this.windows.set(id, w);
    const width = values.length;
    const stats = new Float32Array(2 * width);
    updateScaler(w.scaler, 0, width, values, 0, this.scalingHalfLife, stats.subarray(0, width), stats.subarray(width), 0);
    w.events.push({ values, stats });
    this.heldEvents += 1;
    if (w.events.length > this.options.windowSize) {
      w.events.shift();
      w.shifted += 1;
      this.heldEvents -= 1;
      if (w.cursor > 0) {
        w.cursor -= 1;
      } else {
        // An untrained event left the window: the carried state no longer lines up with events[0].
        w.carried = null;
        this.skippedEvents += 1;
      }
    }
  }

  /** The stream ended (`"end": true`): forget it. */
  remove(id: string): boolean {
    const w = this.windows.get(id);
    if (w === undefined) return false;
    this.heldEvents -= w.events.length;
    this.windows.delete(id);
    return true;
  }

  /** Drops every carried state (after an architecture change the old states mean nothing). */
  resetStates(): void {
    for (const w of this.windows.values()) w.carried = null;
  }

  private evictOldest(): void {
    const oldest = this.windows.keys().next();
    if (oldest.done === true) return;
    this.remove(oldest.value);
    this.evictedStreams += 1;
  }
}

