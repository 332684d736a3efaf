/**
 * Forecast error against the last-value baseline, per stream and overall, for the live view.
 *
 * For each event of a stream that has a forecast made at the stream's previous event, per feature:
 * model error = |actual − forecast|, last-value error = |actual − previous actual|. Both are kept as
 * an exponentially weighted mean (time constant `window` events, "recent") and a plain mean since
 * the stream was first seen here ("since start"). Only events with a forecast are scored, so the
 * two errors are always compared on the same events.
 *
 * Bounded: per stream a few numbers per feature (at most `maxFeatures`); the events and forecasts
 * not paired yet (topics are read by separate consumers, so forecasts usually trail their events
 * by inference's latency, sometimes lead them), at most `ring` of each per stream and `maxBytes`
 * for all streams together; at most `maxStreams` streams (least recently active dropped first).
 * A stream's records keep their order (one key, one partition), so once an event is scored,
 * earlier events and forecasts can never pair again and are dropped.
 */

/** Errors of the model and of last-value over the same events, as mean absolute errors. */
export interface ErrorPair {
  readonly model: number;
  readonly naive: number;
  /** model / naive: below 1 the model beats last-value. Null when last-value's error is 0. */
  readonly ratio: number | null;
}

export interface StreamQuality {
  /** Events scored (with a forecast from the previous event). */
  readonly scored: number;
  /** The time constant of `recent`, in events. */
  readonly window: number;
  /** Over all forecast features: mean of the per-feature MAEs; ratio = Σ model MAE / Σ last-value MAE. */
  readonly recent: ErrorPair;
  readonly sinceStart: ErrorPair;
  /** Per forecast feature j (output j forecasts feature j). */
  readonly features: readonly { readonly recent: ErrorPair; readonly sinceStart: ErrorPair }[];
}

/** Across streams: the median (and the 90th percentile, the tail) of per-stream error ratios. */
export interface OverallQuality {
  /** Streams with at least `minScored` scored events: the ones counted below. */
  readonly streams: number;
  /** Of those, how many have a recent ratio below 1. */
  readonly beating: number;
  readonly medianRatio: number | null;
  readonly p90Ratio: number | null;
  readonly sinceStartMedianRatio: number | null;
}

export interface QualityOptions {
  /** Time constant of the recent error, in events. Default 100. */
  readonly window?: number;
  /** Streams followed; the least recently active is dropped beyond. Default 5000. */
  readonly maxStreams?: number;
  /** Features scored per stream (the first ones); bounds memory for wide streams. Default 32. */
  readonly maxFeatures?: number;
  /**
   * Unpaired events (and forecasts) kept per stream: covers a forecast lag of that many of the
   * stream's events. Default 64.
   */
  readonly ring?: number;
  /** Estimated bytes of unpaired events and forecasts, all streams together. Default 8 MiB. */
  readonly maxBytes?: number;
  /** Scored events a stream needs before it counts in the overall figure. Default 10. */
  readonly minScored?: number;
}

interface Seen {
  readonly ts: number;
  readonly values: Float64Array;
  scored: boolean;
}

/** A rough heap size of a kept event or forecast: object, typed array and its numbers. */
const entryBytes = (values: Float64Array): number => 96 + 8 * values.length;

class StreamErrors {
  readonly events: Seen[] = [];
  /** Estimated bytes of `events` and `forecasts`. */
  bytes = 0;
  readonly forecasts: { readonly ts: number; readonly output: Float64Array }[] = [];
  k = 0;
  scored = 0;
  ewModel = new Float64Array(0);
  ewNaive = new Float64Array(0);
  sumModel = new Float64Array(0);
  sumNaive = new Float64Array(0);

  resize(k: number): void {
    // A stream whose width changes starts over: its old errors are about other features.
    this.k = k;
    this.scored = 0;
    this.ewModel = new Float64Array(k);
    this.ewNaive = new Float64Array(k);
    this.sumModel = new Float64Array(k);
    this.sumNaive = new Float64Array(k);
  }
}

const ratio = (model: number, naive: number): number | null => (naive > 0 ? model / naive : null);

/** The q-quantile (nearest rank) of an ascending array; Infinity stands for "worse, last-value exact". */
const quantile = (sorted: readonly number[], q: number): number | null => {
  if (sorted.length === 0) return null;
  const v = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return Number.isFinite(v) ? v : null;
};

export class QualityTracker {
  private readonly window: number;
  private readonly maxStreams: number;
  private readonly maxFeatures: number;
  private readonly ring: number;
  private readonly maxBytes: number;
  private totalBytes = 0;
  private readonly minScored: number;
  private readonly alpha: number;
  private readonly streams = new Map<string, StreamErrors>();

  constructor(options: QualityOptions = {}) {
    this.window = options.window ?? 100;
    this.maxStreams = options.maxStreams ?? 5000;
    this.maxFeatures = options.maxFeatures ?? 32;
    this.ring = options.ring ?? 64;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.minScored = options.minScored ?? 10;
    this.alpha = 1 / this.window;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Estimated bytes of the unpaired events and forecasts kept. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** An event of the stream, in the stream's order (the events topic keeps it per key). */
  event(stream: string, ts: number, values: readonly number[]): void {
    if (values.length === 0) return; // an `end` event carries no values
    const s = this.touch(stream);
    const seen: Seen = { ts, values: Float64Array.from(values.slice(0, this.maxFeatures)), scored: false };
    s.events.push(seen);
    this.grow(s, entryBytes(seen.values));
    if (s.events.length > this.ring) this.dropEvents(s, 1);
    this.tryScore(s, s.events.length - 1);
    this.fitBudget(s);
  }

  /** A forecast of the stream's next event, made at the event with time `ts`. */
  forecast(stream: string, ts: number, output: readonly number[]): void {
    const s = this.touch(stream);
    // A non-finite output is written as null; NaN keeps it from being read as a forecast of 0.
    const f = { ts, output: Float64Array.from(output.slice(0, this.maxFeatures), (v) => (typeof v === 'number' ? v : NaN)) };
    s.forecasts.push(f);
    this.grow(s, entryBytes(f.output));
    if (s.forecasts.length > this.ring) this.dropForecasts(s, 1);
    // The event it forecasts may already be here (it is the one after the event at `ts`).
    const i = s.events.findIndex((e) => e.ts === ts);
    if (i >= 0 && i + 1 < s.events.length) this.tryScore(s, i + 1);
    this.fitBudget(s);
  }

  quality(stream: string): StreamQuality | undefined {
    const s = this.streams.get(stream);
    if (s === undefined) return undefined;
    // Bias correction: an EW mean started at 0 has weight 1 − (1 − α)^n after n updates.
    const weight = 1 - Math.pow(1 - this.alpha, s.scored);
    const features = [];
    let rm = 0, rn = 0, tm = 0, tn = 0;
    for (let j = 0; j < s.k; j++) {
      const recent = { model: s.scored ? s.ewModel[j] / weight : 0, naive: s.scored ? s.ewNaive[j] / weight : 0 };
      const since = { model: s.scored ? s.sumModel[j] / s.scored : 0, naive: s.scored ? s.sumNaive[j] / s.scored : 0 };
      features.push({ recent: { ...recent, ratio: ratio(recent.model, recent.naive) }, sinceStart: { ...since, ratio: ratio(since.model, since.naive) } });
      rm += recent.model;
      rn += recent.naive;
      tm += since.model;
      tn += since.naive;
    }
    const k = Math.max(1, s.k);
    return {
      scored: s.scored,
      window: this.window,
      recent: { model: rm / k, naive: rn / k, ratio: ratio(rm, rn) },
      sinceStart: { model: tm / k, naive: tn / k, ratio: ratio(tm, tn) },
      features,
    };
  }

  /**
   * The median of per-stream ratios rather than one ratio of pooled errors: streams differ by
   * orders of magnitude, and pooled errors would be the largest streams' alone. Each stream's ratio
   * is already relative to its own baseline, so every stream counts once.
   */
  overall(): OverallQuality {
    const recent: number[] = [];
    const since: number[] = [];
    for (const s of this.streams.values()) {
      if (s.scored < this.minScored) continue;
      let rm = 0, rn = 0, tm = 0, tn = 0;
      for (let j = 0; j < s.k; j++) {
        rm += s.ewModel[j];
        rn += s.ewNaive[j];
        tm += s.sumModel[j];
        tn += s.sumNaive[j];
      }
      // A stream whose last value is always exact (flat) is beaten by nothing: count it as worse
      // unless the model is exact too, then it is a tie.
      recent.push(rn > 0 ? rm / rn : rm > 0 ? Infinity : 1);
      since.push(tn > 0 ? tm / tn : tm > 0 ? Infinity : 1);
    }
    recent.sort((a, b) => a - b);
    since.sort((a, b) => a - b);
    return {
      streams: recent.length,
      beating: recent.filter((r) => r < 1).length,
      medianRatio: quantile(recent, 0.5),
      p90Ratio: quantile(recent, 0.9),
      sinceStartMedianRatio: quantile(since, 0.5),
    };
  }

  private touch(stream: string): StreamErrors {
    let s = this.streams.get(stream);
    if (s === undefined) {
      if (this.streams.size >= this.maxStreams) this.evict(this.streams.keys().next().value!);
      s = new StreamErrors();
    } else this.streams.delete(stream); // re-insert: Map order = recency
    this.streams.set(stream, s);
    return s;
  }

  private evict(stream: string): void {
    const s = this.streams.get(stream);
    if (s === undefined) return;
    this.totalBytes -= s.bytes;
    this.streams.delete(stream);
  }

  private grow(s: StreamErrors, bytes: number): void {
    s.bytes += bytes;
    this.totalBytes += bytes;
  }

  private dropEvents(s: StreamErrors, n: number): void {
    for (const e of s.events.splice(0, n)) this.grow(s, -entryBytes(e.values));
  }

  private dropForecasts(s: StreamErrors, n: number): void {
    for (const f of s.forecasts.splice(0, n)) this.grow(s, -entryBytes(f.output));
  }

  /**
   * Over the byte budget (inference stopped or far behind: every stream piles up events that wait
   * for forecasts), the stream just added to gives up its oldest unpaired entries, down to the last
   * event it needs as a predecessor. Its figures so far are kept.
   */
  private fitBudget(s: StreamErrors): void {
    while (this.totalBytes > this.maxBytes && s.events.length > 1) this.dropEvents(s, 1);
    while (this.totalBytes > this.maxBytes && s.forecasts.length > 1) this.dropForecasts(s, 1);
  }

  /** Scores events[i] against events[i − 1] and the forecast made there, once. */
  private tryScore(s: StreamErrors, i: number): void {
    const e = s.events[i];
    if (i === 0 || e.scored) return;
    const prev = s.events[i - 1];
    const fi = s.forecasts.findIndex((x) => x.ts === prev.ts);
    if (fi < 0) return;
    const f = s.forecasts[fi];
    const k = Math.min(f.output.length, e.values.length, prev.values.length);
    if (k === 0) return;
    e.scored = true;
    // In-order records: nothing before this pair can pair any more. Event i stays, as the
    // predecessor of the next one.
    this.dropEvents(s, i);
    this.dropForecasts(s, fi + 1);
    // An event with a non-finite forecast is not scored: it would poison every later figure.
    for (let j = 0; j < k; j++) if (!Number.isFinite(f.output[j])) return;
    if (k !== s.k) s.resize(k);
    s.scored += 1;
    for (let j = 0; j < k; j++) {
      const model = Math.abs(e.values[j] - f.output[j]);
      const naive = Math.abs(e.values[j] - prev.values[j]);
      s.ewModel[j] += this.alpha * (model - s.ewModel[j]);
      s.ewNaive[j] += this.alpha * (naive - s.ewNaive[j]);
      s.sumModel[j] += model;
      s.sumNaive[j] += naive;
    }
  }
}
