import type { ResolvedSpec } from './spec';

/**
 * Per-feature affine maps implied by the spec, precomputed once: inputs become (x - mean) / std;
 * 'next-values' outputs go back to raw units with their feature's mean/std.
 */
export class Normalizer {
  private readonly inScale: Float32Array | null;
  private readonly inShift: Float32Array | null;
  private readonly outScale: Float32Array | null;
  private readonly outShift: Float32Array | null;

  constructor(spec: ResolvedSpec) {
    const n = spec.normalization;
    if (n === null) {
      this.inScale = this.inShift = this.outScale = this.outShift = null;
      return;
    }
    this.inScale = Float32Array.from(n.std, (s) => 1 / s);
    this.inShift = Float32Array.from(n.mean);
    if (spec.output.kind === 'next-values') {
      const features = spec.output.features ?? Array.from({ length: spec.head.units }, (_, j) => j);
      this.outScale = Float32Array.from(features, (f) => n.std[f]);
      this.outShift = Float32Array.from(features, (f) => n.mean[f]);
    } else {
      this.outScale = this.outShift = null;
    }
  }

  get active(): boolean {
    return this.inScale !== null;
  }

  /** out = (x - mean) / std, row-wise over [rows, F]; out may alias x. */
  normalizeInput(x: Float32Array, out: Float32Array, rows: number): void {
    if (this.inScale === null || this.inShift === null) {
      if (out !== x) out.set(x.subarray(0, out.length));
      return;
    }
    const f = this.inScale.length;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < f; j++) out[r * f + j] = (x[r * f + j] - this.inShift[j]) * this.inScale[j];
    }
  }

  /** Maps raw targets of a 'next-values' head into model space (for training); no-op otherwise. */
  normalizeTarget(y: Float32Array, out: Float32Array, rows: number): void {
    if (this.outScale === null || this.outShift === null) {
      if (out !== y) out.set(y.subarray(0, out.length));
      return;
    }
    const k = this.outScale.length;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < k; j++) out[r * k + j] = (y[r * k + j] - this.outShift[j]) / this.outScale[j];
    }
  }

  /** In place: model-space outputs of a 'next-values' head back to raw units; no-op otherwise. */
  denormalizeOutput(y: Float32Array, rows: number): void {
    if (this.outScale === null || this.outShift === null) return;
    const k = this.outScale.length;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < k; j++) y[r * k + j] = y[r * k + j] * this.outScale[j] + this.outShift[j];
    }
  }
}
