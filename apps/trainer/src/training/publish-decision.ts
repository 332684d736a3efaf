import type { QualitySummary } from './evaluation';

export interface PublishDecision {
  readonly publish: boolean;
  /** Why, in words, for the log line. */
  readonly reason: string;
}

export interface PublishGate {
  /** The candidate's median ratio must be <= the serving version's × (1 − margin). */
  readonly margin: number;
  /** Largest share of streams the candidate may forecast worse than last-value. */
  readonly maxWorseShare: number;
}

const fmt = (v: number | null): string => (v === null ? '-' : v.toFixed(4));

/**
 * Safe publishing, judged per stream against the baselines (scoreVersion) on the same held-out
 * events. A candidate is published only if
 * - its median error ratio to last-value is below 1 (it beats "the next value equals this one"),
 * - at most `maxWorseShare` of the streams get forecasts worse than last-value from it,
 * - it is no worse against seasonal-naive than the serving version (when a period is set), and
 * - its median ratio beats the serving version's by the relative margin.
 * Non-finite figures never publish: a diverged candidate must not reach inference.
 */
export function decidePublish(candidate: QualitySummary, serving: QualitySummary, gate: PublishGate): PublishDecision {
  const c = candidate.medianRatio;
  const figures = `median ${fmt(c)} (serving ${fmt(serving.medianRatio)}), p90 ${fmt(candidate.p90Ratio)}, worse than last-value on ${(100 * candidate.worseShare).toFixed(1)} % of ${candidate.streams} streams`;
  if (!Number.isFinite(c)) return { publish: false, reason: `candidate's error ratio is ${c}` };
  if (!(c < 1)) return { publish: false, reason: `candidate does not beat last-value: ${figures}` };
  if (!(candidate.worseShare <= gate.maxWorseShare)) {
    return { publish: false, reason: `candidate is worse than last-value on more than ${100 * gate.maxWorseShare} % of streams: ${figures}` };
  }
  if (candidate.seasonalMedianRatio !== null && serving.seasonalMedianRatio !== null && candidate.seasonalMedianRatio > serving.seasonalMedianRatio) {
    return { publish: false, reason: `candidate is worse against seasonal-naive (${fmt(candidate.seasonalMedianRatio)}) than the serving version (${fmt(serving.seasonalMedianRatio)})` };
  }
  if (Number.isFinite(serving.medianRatio)) {
    const threshold = serving.medianRatio * (1 - gate.margin);
    if (!(c <= threshold && c < serving.medianRatio)) {
      return { publish: false, reason: `candidate does not beat the serving version by ${gate.margin}: ${figures}` };
    }
  }
  return { publish: true, reason: figures };
}

/**
 * After a rejection the working weights keep what they learned (they may beat the head with more
 * data); after `revertAfter` rejections in a row (0 = never) they restart from the head.
 */
export function shouldRevert(consecutiveRejections: number, revertAfter: number): boolean {
  return revertAfter > 0 && consecutiveRejections >= revertAfter;
}

/** What a published candidate's manifest says about it: its figures against the baselines and the head's. */
export function candidateMetrics(
  candidate: QualitySummary,
  serving: QualitySummary,
  training: { readonly trainLoss: number; readonly round: number; readonly updates: number; readonly events: number },
): Record<string, number> {
  return {
    validationLoss: candidate.medianRatio,
    baselineLoss: serving.medianRatio,
    trainLoss: training.trainLoss,
    validationStreams: candidate.streams,
    ratioToLastValue: candidate.medianRatio,
    p90RatioToLastValue: candidate.p90Ratio,
    worseThanLastValueShare: candidate.worseShare,
    ...(candidate.seasonalMedianRatio !== null ? { ratioToSeasonalNaive: candidate.seasonalMedianRatio } : {}),
    round: training.round,
    updates: training.updates,
    events: training.events,
  };
}
