/**
 * The ridge solve behind each stream's adaptation (stream-adaptation.ts), on sums kept in a
 * float32 state: w = (Σφφᵀ + ridge·diag(Σφφᵀ) + floor·I)⁻¹ Σφτ. The ridge is relative to each
 * regressor's own Σφ², so the shrinkage towards 0 does not depend on its magnitude; the floor
 * keeps the system definite, so it always has a solution.
 */

export interface RidgeOptions {
  readonly ridge: number;
  readonly floor: number;
  /** Regressors left out of this solve: their weight is 0 (their sums are kept). */
  readonly leftOut: readonly boolean[];
}

/**
 * Solves for `k` weights into `w` by Gaussian elimination with partial pivoting. `sums` holds, from
 * `at`, the upper triangle of Σφφᵀ (row-major) then Σφτ; `m` is scratch of k² + k.
 */
export function solveRidge(sums: Float32Array, at: number, k: number, options: RidgeOptions, m: Float64Array, w: Float64Array): void {
  const { ridge, floor, leftOut } = options;
  const sumXy = at + (k * (k + 1)) / 2;
  let u = at;
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++, u++) {
      // A regressor left out gets an identity row and column and no target: its weight solves to 0.
      const v = leftOut[i] || leftOut[j] ? (i === j ? 1 : 0) : sums[u] + (i === j ? ridge * sums[u] + floor : 0);
      m[i * k + j] = v;
      m[j * k + i] = v;
    }
    m[k * k + i] = leftOut[i] ? 0 : sums[sumXy + i];
  }
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * k + c]) > Math.abs(m[p * k + c])) p = r;
    if (p !== c) {
      for (let j = 0; j < k; j++) swap(m, c * k + j, p * k + j);
      swap(m, k * k + c, k * k + p);
    }
    for (let r = c + 1; r < k; r++) {
      const factor = m[r * k + c] / m[c * k + c];
      for (let j = c; j < k; j++) m[r * k + j] -= factor * m[c * k + j];
      m[k * k + r] -= factor * m[k * k + c];
    }
  }
  for (let i = k - 1; i >= 0; i--) {
    let v = m[k * k + i];
    for (let j = i + 1; j < k; j++) v -= m[i * k + j] * w[j];
    w[i] = v / m[i * k + i];
  }
}

function swap(m: Float64Array, i: number, j: number): void {
  const t = m[i];
  m[i] = m[j];
  m[j] = t;
}
