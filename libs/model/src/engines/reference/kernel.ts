import type { WeightsBundle } from '../../bundle/bundle';
import { type ActivationName, applyActivation } from '../../spec/activations';
import type { ResolvedSpec } from '../../spec/spec';
import { gateCount } from '../../spec/shapes';
import { layerSpecs, type ResolvedLayer } from '../../spec/stack';
import type { StepKernel } from '../kernel';

interface Layer {
  /** Cell kind and activations of this layer (stacks may mix cells). */
  readonly spec: ResolvedLayer;
  readonly units: number;
  readonly inWidth: number;
  readonly kernel: Float32Array; // [in, g*u]
  readonly recurrent: Float32Array; // [u, g*u]
  /** Input bias [g*u] (all zeros without bias). */
  readonly bias: Float32Array;
  /** GRU resetAfter: recurrent bias [3u]; otherwise null. */
  readonly recurrentBias: Float32Array | null;
}

/**
 * out[b, outOff + j] += sum_k a[b, k] * w[k, wOff + j] for j < n.
 * Row-major everywhere; the innermost loop walks one weight row and one output row contiguously,
 * which is what keeps this tolerable in plain JS (the engine's hot loop).
 */
function gemmAcc(
  a: Float32Array, rows: number, k: number,
  w: Float32Array, ldw: number, wOff: number, n: number,
  out: Float32Array, ldo: number, outOff: number,
): void {
  for (let b = 0; b < rows; b++) {
    const aRow = b * k;
    const oRow = b * ldo + outOff;
    for (let kk = 0; kk < k; kk++) {
      const av = a[aRow + kk];
      if (av === 0) continue;
      const wRow = kk * ldw + wOff;
      for (let j = 0; j < n; j++) out[oRow + j] += av * w[wRow + j];
    }
  }
}

/** Fills each row of out[rows, n] with bias (or zeros). */
function fillRows(out: Float32Array, rows: number, bias: Float32Array, n: number): void {
  for (let b = 0; b < rows; b++) out.set(bias.subarray(0, n), b * n);
}

/**
 * Reference kernel: Keras cell semantics in plain TypeScript over Float32Array. Zero dependencies,
 * the oracle every other engine is tested against, and the quickest at batch 1 for small models
 * (no native call overhead). Scratch buffers grow to the largest batch seen and are then reused, so
 * a step allocates nothing.
 */
export class ReferenceKernel implements StepKernel {
  readonly label = 'reference';
  private spec!: ResolvedSpec;
  private layers: Layer[] = [];
  private headKernel!: Float32Array;
  private headBias!: Float32Array;
  private capacity = 0;
  private gates = new Float32Array(0);
  private gatesRec = new Float32Array(0);
  private rh = new Float32Array(0);
  private output = new Float32Array(0);

  constructor(bundle: WeightsBundle) {
    this.load(bundle);
  }

  load(bundle: WeightsBundle): void {
    const spec = bundle.spec;
    const t = (name: string): Float32Array => bundle.tensors.get(name)!;
    let inWidth = spec.inputWidth;
    this.layers = layerSpecs(spec).map((ls, i) => {
      const { units } = ls;
      const g = gateCount(ls.cell);
      let bias: Float32Array = new Float32Array(g * units);
      let recurrentBias: Float32Array | null = null;
      if (ls.useBias) {
        const b = t(`layer${i}/bias`);
        if (ls.cell === 'gru' && ls.resetAfter) {
          bias = b.subarray(0, g * units);
          recurrentBias = b.subarray(g * units);
        } else bias = b;
      } else if (ls.cell === 'gru' && ls.resetAfter) recurrentBias = new Float32Array(g * units);
      const layer: Layer = { spec: ls, units, inWidth, kernel: t(`layer${i}/kernel`), recurrent: t(`layer${i}/recurrent_kernel`), bias, recurrentBias };
      inWidth = units;
      return layer;
    });
    this.headKernel = t('head/kernel');
    this.headBias = t('head/bias');
    this.spec = spec;
    this.capacity = 0; // re-size scratch on the next run
  }

  private ensure(batch: number): void {
    if (batch <= this.capacity) return;
    const maxU = Math.max(...this.spec.layers);
    const maxN = Math.max(...this.layers.map((l) => gateCount(l.spec.cell) * l.units));
    this.gates = new Float32Array(batch * maxN);
    this.gatesRec = new Float32Array(batch * maxN);
    this.rh = new Float32Array(batch * maxU);
    this.output = new Float32Array(batch * this.spec.head.units);
    this.capacity = batch;
  }

  run(input: Float32Array, states: Float32Array[], batch: number): Float32Array {
    this.ensure(batch);
    const spec = this.spec;
    let x = input;
    let s = 0;
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l];
      const h = states[s++];
      switch (layer.spec.cell) {
        case 'simple':
          this.simple(layer, x, h, batch);
          break;
        case 'lstm':
          this.lstm(layer, x, h, states[s++], batch);
          break;
        case 'gru':
          this.gru(layer, x, h, batch);
          break;
      }
      x = h;
    }
    const out = this.spec.head.units;
    fillRows(this.output, batch, this.headBias, out);
    gemmAcc(x, batch, this.layers[this.layers.length - 1].units, this.headKernel, out, 0, out, this.output, out, 0);
    applyActivation(spec.head.activation, this.output, 0, batch * out);
    return this.output.subarray(0, batch * out);
  }

  private simple(layer: Layer, x: Float32Array, h: Float32Array, batch: number): void {
    const u = layer.units;
    const z = this.gates;
    fillRows(z, batch, layer.bias, u);
    gemmAcc(x, batch, layer.inWidth, layer.kernel, u, 0, u, z, u, 0);
    gemmAcc(h, batch, u, layer.recurrent, u, 0, u, z, u, 0);
    applyActivation(layer.spec.activation, z, 0, batch * u);
    h.set(z.subarray(0, batch * u));
  }

  private lstm(layer: Layer, x: Float32Array, h: Float32Array, c: Float32Array, batch: number): void {
    const u = layer.units;
    const n = 4 * u;
    const z = this.gates;
    const act: ActivationName = layer.spec.activation;
    const rec: ActivationName = layer.spec.recurrentActivation;
    fillRows(z, batch, layer.bias, n);
    gemmAcc(x, batch, layer.inWidth, layer.kernel, n, 0, n, z, n, 0);
    gemmAcc(h, batch, u, layer.recurrent, n, 0, n, z, n, 0);
    for (let b = 0; b < batch; b++) {
      const r = b * n;
      applyActivation(rec, z, r, r + 2 * u); // i, f
      applyActivation(act, z, r + 2 * u, r + 3 * u); // candidate
      applyActivation(rec, z, r + 3 * u, r + n); // o
      const o = b * u;
      for (let j = 0; j < u; j++) c[o + j] = z[r + u + j] * c[o + j] + z[r + j] * z[r + 2 * u + j];
    }
    // h = o * act(c): activation into the h buffer, then scale by o.
    h.set(c.subarray(0, batch * u));
    applyActivation(act, h, 0, batch * u);
    for (let b = 0; b < batch; b++) {
      const r = b * n + 3 * u;
      const o = b * u;
      for (let j = 0; j < u; j++) h[o + j] *= z[r + j];
    }
  }

  private gru(layer: Layer, x: Float32Array, h: Float32Array, batch: number): void {
    const u = layer.units;
    const n = 3 * u;
    const zx = this.gates;
    const zh = this.gatesRec;
    const act = layer.spec.activation;
    const rec = layer.spec.recurrentActivation;
    fillRows(zx, batch, layer.bias, n);
    gemmAcc(x, batch, layer.inWidth, layer.kernel, n, 0, n, zx, n, 0);
    if (layer.recurrentBias !== null) {
      // reset_after: r multiplies (h·U_h + b_rec_h), after the matmul.
      fillRows(zh, batch, layer.recurrentBias, n);
      gemmAcc(h, batch, u, layer.recurrent, n, 0, n, zh, n, 0);
      for (let b = 0; b < batch; b++) {
        const r = b * n;
        for (let j = 0; j < 2 * u; j++) zx[r + j] += zh[r + j];
        applyActivation(rec, zx, r, r + 2 * u);
        for (let j = 0; j < u; j++) zx[r + 2 * u + j] += zx[r + u + j] * zh[r + 2 * u + j];
        applyActivation(act, zx, r + 2 * u, r + n);
      }
    } else {
      // reset_before: z and r from h·U[:, :2u]; candidate from (r*h)·U[:, 2u:].
      zh.fill(0, 0, batch * n);
      gemmAcc(h, batch, u, layer.recurrent, n, 0, 2 * u, zh, n, 0);
      const rh = this.rh;
      for (let b = 0; b < batch; b++) {
        const r = b * n;
        for (let j = 0; j < 2 * u; j++) zx[r + j] += zh[r + j];
        applyActivation(rec, zx, r, r + 2 * u);
        for (let j = 0; j < u; j++) rh[b * u + j] = zx[r + u + j] * h[b * u + j];
      }
      gemmAcc(rh, batch, u, layer.recurrent, n, 2 * u, u, zx, n, 2 * u);
      for (let b = 0; b < batch; b++) applyActivation(act, zx, b * n + 2 * u, b * n + n);
    }
    for (let b = 0; b < batch; b++) {
      const r = b * n;
      const o = b * u;
      for (let j = 0; j < u; j++) {
        const zg = zx[r + j];
        h[o + j] = zg * h[o + j] + (1 - zg) * zx[r + 2 * u + j];
      }
    }
  }

  dispose(): void {
    this.layers = [];
  }
}
