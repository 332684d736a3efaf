/**
 * Sensor-like synthetic streams: a daily-style seasonal cycle per feature, noise, occasional
 * injected anomalies (a spike of several standard deviations on one event), and a regime shift
 * (frequency and amplitude change) after a given time. Deterministic for a seed, so a run can be
 * reproduced.
 */
export interface SignalOptions {
  readonly streams: number;
  /** Values per event (the model's input width). */
  readonly width: number;
  /** Events per stream per simulated "day" (the seasonal period). Default 288 (5-minute samples). */
  readonly period?: number;
  /** Standard deviation of the noise relative to the amplitude. Default 0.05. */
  readonly noise?: number;
  /** Probability that an event carries an injected anomaly. Default 0.002. */
  readonly anomalyRate?: number;
  /** Event index (per stream) from which the regime shifts. Default: never. */
  readonly shiftAt?: number;
  readonly seed?: number;
}

export interface GeneratedEvent {
  readonly stream: string;
  readonly values: number[];
  /** True when an anomaly was injected into this event. */
  readonly anomaly: boolean;
}

/** mulberry32: small, fast, good enough for synthetic data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SignalGenerator {
  private readonly random: () => number;
  private readonly step: Uint32Array;
  private readonly phase: Float64Array;
  private readonly level: Float64Array;
  private readonly period: number;
  private readonly noise: number;
  private readonly anomalyRate: number;

  constructor(private readonly options: SignalOptions) {
    this.random = rng(options.seed ?? 42);
    this.step = new Uint32Array(options.streams);
    this.phase = Float64Array.from({ length: options.streams }, () => this.random() * 2 * Math.PI);
    this.level = Float64Array.from({ length: options.streams }, () => 5 + this.random() * 10);
    this.period = options.period ?? 288;
    this.noise = options.noise ?? 0.05;
    this.anomalyRate = options.anomalyRate ?? 0.002;
  }

  streamId(i: number): string {
    return `sensor-${String(i).padStart(4, '0')}`;
  }

  /** The next event of stream i. */
  next(i: number): GeneratedEvent {
    const k = this.step[i]++;
    const shifted = this.options.shiftAt !== undefined && k >= this.options.shiftAt;
    const freq = ((2 * Math.PI) / this.period) * (shifted ? 2.5 : 1);
    const amp = shifted ? 2 : 1;
    const anomaly = this.random() < this.anomalyRate;
    const values: number[] = [];
    for (let j = 0; j < this.options.width; j++) {
      const seasonal = Math.sin(freq * k + this.phase[i] + j * 0.9) + 0.3 * Math.sin(3 * freq * k + j);
      let v = this.level[i] * 0.1 * (j + 1) + amp * seasonal + this.gauss() * this.noise * amp;
      if (anomaly) v += (this.random() < 0.5 ? -1 : 1) * 6 * amp;
      values.push(Math.round(v * 1e4) / 1e4);
    }
    return { stream: this.streamId(i), values, anomaly };
  }

  private gauss(): number {
    const u = Math.max(this.random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
}
