/**
 * The tuning of the per-stream adaptation (stream-adaptation.ts): each number, and why it is what
 * it is. Measured on bench:quality and on a replay of `npm start`'s workload (docs/decisions.md).
 */

/**
 * Ridge towards zero weights (= last-value), relative to each regressor's own weighted Σφ², so the
 * shrinkage does not depend on the regressor's magnitude (a smooth stream's changes are a small
 * fraction of its scale), plus a tiny absolute term that keeps the system definite.
 */
export const RIDGE = 0.05;
export const RIDGE_FLOOR = 1e-6;
/**
 * Regressors, targets and the adapted change are clipped to this many scales: after a flat stretch
 * the scale is tiny and the first move is huge in scaled units; one such event must not teach
 * weights that multiply the next huge value (robust regression by winsorising, as the detector).
 */
export const LIMIT = 4;
/**
 * The served-or-not comparison of the adapted change with no change looks at a short horizon (in
 * events): right after a regime shift the weights are stale for a while, and last-value must take
 * over within seconds, not after the regression's half-life. 40 let the shift's minute of
 * bench:quality end 0.8 % worse than last-value; 20 hands over twice as fast.
 */
export const GATE_HALF_LIFE = 20;
/** The adapted change must have been at least this much better than no change to be served: on a random walk the two are equal, and chance alone must not switch. */
export const GATE_MARGIN = 0.05;
/**
 * Events a stream must have seen before its adapted change can be served at all: four per
 * regressor (of 10), and two gate half-lives of evidence that it beats no change. Before that the weights
 * are fitted to a handful of events and the first minute of a stream would be a coin toss.
 */
export const MIN_EVENTS = 40;
/**
 * Huber-like robustness: the target enters the least squares at most this many recent absolute
 * errors (the gate's) away from what the fit predicted. An injected spike, a maintenance drop or a
 * level jump is one or two huge targets that would otherwise bend the weights for a half-life
 * (the ±LIMIT clip alone still lets them in at 4 scales).
 */
export const HUBER = 3;
/**
 * While the adapted change is doing worse than no change (a regime shift, a new shape), the sums
 * forget at least this fast (half-life in events), so stale weights make way for the new regime
 * in tens of events instead of the regression's half-life, while a stable stream keeps its memory.
 */
export const STALE_HALF_LIFE = 35;
/**
 * An event is an outlier when it lands this many times HUBER recent absolute errors (of what was
 * served) away from the served forecast: about 7 standard deviations of the change, which
 * ordinary noise, even a random walk's, practically never reaches.
 */
export const OUTLIER = 2;
/**
 * An outlier counts as a one-event spike when the next change takes back at least this share of
 * it. Its value is then replaced by the forecast it missed in everything that remembers it (the
 * moving averages, the last change, the season ring, the stream's previous value), so that a spike
 * does not steer the next tens of forecasts; a level shift, which stays, is kept as it came.
 */
export const SPIKE_RETURN = 0.5;
/**
 * Outliers after which a stream's record of how its outliers behave weighs half: a stream whose
 * glitches come back is forecast to come back (see adapt), one whose jumps stay is not.
 */
export const OUTLIER_DECAY = Math.pow(2, -1 / 8);
/** Events before spikes are looked for: the running error needs a few events to mean anything. */
export const SPIKE_FROM = 10;
