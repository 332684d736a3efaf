import { SignalGenerator, type SignalOptions } from './signal';

export interface PosterOptions extends SignalOptions {
  /** Ingest base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Events per second across all streams. */
  readonly rate: number;
  /** Events per request. Default 100. */
  readonly batch?: number;
  /** Stop after this many seconds. Default: until stop(). */
  readonly durationSeconds?: number;
  readonly apiKey?: string;
  readonly onProgress?: (s: PosterStats) => void;
}

export interface PosterStats {
  sent: number;
  accepted: number;
  rejected: number;
  unavailable: number;
  anomalies: number;
  errors: number;
}

/**
 * Posts generated events to ingest at a steady rate (one POST per batch, round-robin over the
 * streams so each stream's events stay in order). A 503 is retried after its Retry-After, as a
 * well-behaved producer would; nothing is dropped silently.
 */
export class WorkloadPoster {
  readonly stats: PosterStats = { sent: 0, accepted: 0, rejected: 0, unavailable: 0, anomalies: 0, errors: 0 };
  private readonly generator: SignalGenerator;
  private stopped = false;
  private cursor = 0;
  private deadline = Infinity;

  constructor(private readonly options: PosterOptions) {
    this.generator = new SignalGenerator(options);
  }

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<PosterStats> {
    const batch = this.options.batch ?? 100;
    const interval = (1000 * batch) / this.options.rate;
    this.deadline = this.options.durationSeconds === undefined ? Infinity : Date.now() + this.options.durationSeconds * 1000;
    let nextAt = Date.now();
    while (!this.stopped && Date.now() < this.deadline) {
      const events = [];
      for (let n = 0; n < batch; n++) {
        const e = this.generator.next(this.cursor);
        this.cursor = (this.cursor + 1) % this.options.streams;
        if (e.anomaly) this.stats.anomalies += 1;
        events.push({ stream: e.stream, ts: Date.now(), values: e.values });
      }
      await this.post(JSON.stringify(events), events.length);
      this.options.onProgress?.(this.stats);
      nextAt += interval;
      const wait = nextAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else nextAt = Date.now(); // behind: do not burst to catch up
    }
    return this.stats;
  }

  private async post(body: string, count: number): Promise<void> {
    for (let attempt = 0; attempt < 30 && !this.stopped && Date.now() < this.deadline; attempt++) {
      try {
        const res = await fetch(`${this.options.url}/v1/events`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...(this.options.apiKey !== undefined ? { 'x-api-key': this.options.apiKey } : {}) },
        });
        const answer = (await res.json().catch(() => ({}))) as { accepted?: number; rejected?: unknown[] };
        if (res.status === 503) {
          this.stats.unavailable += 1;
          await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
          continue;
        }
        this.stats.sent += count;
        this.stats.accepted += answer.accepted ?? 0;
        this.stats.rejected += answer.rejected?.length ?? 0;
        return;
      } catch {
        this.stats.errors += 1;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
