export interface PublishDecision {
  readonly publish: boolean;
  /** Why, in words, for the log line. */
  readonly reason: string;
  /** The candidate must reach this loss or lower (current × (1 − margin)). */
  readonly threshold: number;
}

/**
 * Safe publishing: a candidate replaces the serving version only if its validation loss, measured
 * on the same held-out data in the same units, beats the current one's by the relative margin.
 * Non-finite losses never publish (a diverged candidate must not reach inference).
 */
export function decidePublish(candidateLoss: number, currentLoss: number, margin: number): PublishDecision {
  const threshold = currentLoss * (1 - margin);
  if (!Number.isFinite(candidateLoss)) return { publish: false, reason: `candidate validation loss is ${candidateLoss}`, threshold };
  if (!Number.isFinite(currentLoss)) {
    return { publish: true, reason: `current version's validation loss is ${currentLoss}; any finite candidate is better`, threshold };
  }
  if (candidateLoss <= threshold && candidateLoss < currentLoss) {
    return { publish: true, reason: `candidate ${fmt(candidateLoss)} <= ${fmt(threshold)} (current ${fmt(currentLoss)} × (1 − ${margin}))`, threshold };
  }
  return { publish: false, reason: `candidate ${fmt(candidateLoss)} does not beat ${fmt(threshold)} (current ${fmt(currentLoss)} × (1 − ${margin}))`, threshold };
}

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(6) : v.toExponential(4));
