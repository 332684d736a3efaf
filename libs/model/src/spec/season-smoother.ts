/**
 * The smoothing behind the per-stream adaptation's "change a period ago" regressor
 * (stream-adaptation.ts). Taken from two single values, x[t+1−P] − x[t−P] has twice the noise
 * variance of one event: on a noisy season it is mostly noise. A quadratic Savitzky–Golay filter
 * over the 2m + 1 events around each of the two phases keeps the season's shape (exact for any
 * cubic, so a peak keeps its height where a moving average would flatten it) and divides white
 * noise's variance by 1 / Σc² (6.6 at m = 7).
 */

/** Half-width of the window: 15 events, narrow enough for a season of 30 events (a ×2 shift of 60). */
export const SMOOTH_HALF_WIDTH = 7;

/**
 * The half-width used for a season of `period` events: at most an eighth of the period, so the
 * window never spans more than a quarter of a cycle. A season under 16 events is left as it came
 * (a 3-event quadratic fit is the value itself).
 */
export function smoothHalfWidth(period: number): number {
  const m = Math.min(SMOOTH_HALF_WIDTH, Math.floor(period / 8));
  return m < 2 ? 0 : m;
}

/**
 * Weights of the quadratic (and cubic) Savitzky–Golay smoother for the centre of 2m + 1 points,
 * c_i = (3(3m² + 3m − 1) − 15i²) / ((2m − 1)(2m + 1)(2m + 3)) for i = −m..m; [1] for m = 0.
 */
export function savitzkyGolay(m: number): Float64Array {
  if (m === 0) return Float64Array.of(1);
  const denominator = (2 * m - 1) * (2 * m + 1) * (2 * m + 3);
  return Float64Array.from({ length: 2 * m + 1 }, (_, j) => (3 * (3 * m * m + 3 * m - 1) - 15 * (j - m) ** 2) / denominator);
}
