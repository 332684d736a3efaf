import { forecastsChange, type ResolvedSpec } from './spec';
import { shapeSize, weightShapes } from './shapes';
import { layerSpecs } from './stack';

/**
 * Seeded PRNG (mulberry32): tiny, fast, and reproducible across platforms, which Math.random is not.
 * Determinism of initialisation is what makes training runs repeatable from a seed.
 */
export class SeededRandom {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** Keras GlorotUniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(rows: number, cols: number, rng: SeededRandom): Float32Array {
  const limit = Math.sqrt(6 / (rows + cols));
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/**
 * Keras Orthogonal (gain 1) for a [rows, cols] matrix: orthonormal rows if rows <= cols, otherwise
 * orthonormal columns. Done by Gram–Schmidt on a Gaussian matrix (Keras uses QR; both give a
 * Haar-distributed orthogonal matrix, not the same numbers — only the distribution matters).
 */
export function orthogonal(rows: number, cols: number, rng: SeededRandom): Float32Array {
  // Work on n vectors of length m, n <= m, then lay them out as rows (rows<=cols) or columns.
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const vecs: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = new Float64Array(m);
    for (;;) {
      for (let k = 0; k < m; k++) v[k] = rng.normal();
      for (const q of vecs) {
        let dot = 0;
        for (let k = 0; k < m; k++) dot += v[k] * q[k];
        for (let k = 0; k < m; k++) v[k] = v[k] - dot * q[k];
      }
      let norm = 0;
      for (let k = 0; k < m; k++) norm += v[k] * v[k];
      norm = Math.sqrt(norm);
      if (norm > 1e-6) {
        for (let k = 0; k < m; k++) v[k] = v[k] / norm;
        break;
      }
    }
    vecs.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      if (rows <= cols) out[i * cols + k] = vecs[i][k]!;
      else out[k * cols + i] = vecs[i][k]!;
    }
  }
  return out;
}

export interface InitOptions {
  /** PRNG seed. Default 0. */
  readonly seed?: number;
  /** LSTM: initialise the forget-gate bias to 1 (Keras `unit_forget_bias`). Default true. */
  readonly unitForgetBias?: boolean;
}

/** Fresh weights for a spec, initialised as Keras does, deterministic for a seed. */
export function initWeights(spec: ResolvedSpec, options: InitOptions = {}): Map<string, Float32Array> {
  const rng = new SeededRandom(options.seed ?? 0);
  const unitForgetBias = options.unitForgetBias ?? true;
  const out = new Map<string, Float32Array>();
  // A change-forecasting head starts at zero: the fresh model forecasts exactly the last value, and
  // training moves it away from that only where it helps (gradients still reach every weight once
  // the head has moved; see docs/model.md).
  const zeroHead = forecastsChange(spec);
  for (const { name, shape } of weightShapes(spec)) {
    const leaf = name.slice(name.indexOf('/') + 1);
    if (zeroHead && name === 'head/kernel') {
      out.set(name, new Float32Array(shapeSize(shape)));
    } else if (leaf === 'kernel') out.set(name, glorotUniform(shape[0], shape[1], rng));
    else if (leaf === 'recurrent_kernel') out.set(name, orthogonal(shape[0], shape[1], rng));
    else {
      const bias = new Float32Array(shapeSize(shape));
      if (unitForgetBias && name.startsWith('layer') && layerSpecs(spec)[Number(name.slice(5, name.indexOf('/')))].cell === 'lstm') {
        const u = shape[0] / 4;
        bias.fill(1, u, 2 * u); // gate order i, f, c, o: f is the second block
      }
      out.set(name, bias);
    }
  }
  return out;
}
