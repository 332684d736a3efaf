import { forecastFeatures, forecastsChange, type ResolvedSpec } from '@streamcell/model';

/**
 * Targets are clipped to this many of the stream's scales. After a flat stretch the scale is tiny
 * and the next move is enormous in scaled units (1e6 and more); one such sample must not dominate
 * every batch it is in, nor overflow the loss. Inference bounds its side the same way (inputs by
 * the scaler's update-then-scale rule, the per-stream adaptation by ±4).
 */
const TARGET_LIMIT = 8;

/**
 * The bound on targets in raw units (no scaling and no normalisation: `TRAINER_SCALING=none`, or
 * an import without either), where 8 would clip any level or move above 8 and the network would
 * learn the constant 8. Only keeps a squared error far inside float32.
 */
const RAW_TARGET_LIMIT = 1e12;

/**
 * One event as the trainer keeps it: the raw values, plus the stream's scaler location and scale
 * right after this event (the same rule inference applies, libs/model updateScaler), so the
 * network's view of the event can be rebuilt for whatever spec is being trained.
 */
export interface HeldEvent {
  /** Raw values, [F]. */
  readonly values: Float32Array;
  /** [location(F), scale(F)] of the stream after this event. */
  readonly stats: Float32Array;
}

/**
 * The map between raw events and what a spec's network sees and outputs, event by event: what
 * StreamingModel does around the kernel (per-stream scaling, or the global normalisation, or
 * nothing; change or level forecasting), without the serving-only per-stream adaptation. Training and
 * validation both go through it, so a candidate is trained and judged on exactly the inputs and
 * targets inference will give it.
 */
export class ModelSpace {
  readonly width: number;
  readonly outputs: number;
  readonly features: readonly number[];
  private readonly perStream: boolean;
  private readonly delta: boolean;
  private readonly shift: Float32Array | null;
  private readonly scale: Float32Array | null;
  private readonly targetLimit: number;

  constructor(spec: ResolvedSpec) {
    const features = forecastFeatures(spec);
    if (features === null) throw new Error("the model's head has output kind 'raw': no target in the event stream to train it on");
    this.width = spec.inputWidth;
    this.outputs = features.length;
    this.features = features;
    this.perStream = spec.streamScaling !== null;
    this.delta = forecastsChange(spec);
    const n = spec.normalization;
    this.shift = n === null ? null : Float32Array.from(n.mean);
    this.scale = n === null ? null : Float32Array.from(n.std);
    this.targetLimit = this.perStream || this.scale !== null ? TARGET_LIMIT : RAW_TARGET_LIMIT;
  }

  private locationOf(e: HeldEvent, j: number): number {
    if (this.perStream) return e.stats[j];
    return this.shift === null ? 0 : this.shift[j];
  }

  private scaleOf(e: HeldEvent, j: number): number {
    if (this.perStream) return e.stats[this.width + j];
    return this.scale === null ? 1 : this.scale[j];
  }

  /** The network's input for event `e` into out[at .. at + F). */
  input(e: HeldEvent, out: Float32Array, at: number): void {
    for (let j = 0; j < this.width; j++) out[at + j] = (e.values[j] - this.locationOf(e, j)) / this.scaleOf(e, j);
  }

  /** What the network should output at event `e` to forecast `next` exactly, into out[at .. at + O). */
  target(e: HeldEvent, next: HeldEvent, out: Float32Array, at: number): void {
    for (let k = 0; k < this.outputs; k++) {
      const j = this.features[k];
      const base = this.delta ? e.values[j] : this.locationOf(e, j);
      const target = (next.values[j] - base) / this.scaleOf(e, j);
      const limit = this.targetLimit;
      out[at + k] = target > limit ? limit : target < -limit ? -limit : target;
    }
  }

  /** The raw forecast for output k made at event `e` from the network's output y. */
  forecast(e: HeldEvent, k: number, y: number): number {
    const j = this.features[k];
    return (this.delta ? e.values[j] : this.locationOf(e, j)) + y * this.scaleOf(e, j);
  }
}
