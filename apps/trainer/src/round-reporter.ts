import type { JsonLogger } from '@streamcell/observability';
import type { RoundReport } from './training/online-trainer';
import type { TrainerMetrics } from './trainer.metrics';

/** Turns each round's report into metrics and one log line; keeps the last 100 for tests. */
export class RoundReporter {
  /** Every round's report, newest last (bounded). */
  readonly reports: RoundReport[] = [];
  private rejectionsSincePublish = 0;

  constructor(
    private readonly metrics: TrainerMetrics,
    private readonly logger: JsonLogger,
  ) {}

  /** A round that threw (a bug or an untrainable model), not one that reported failure. */
  crashed(e: unknown): void {
    this.metrics.rounds.inc({ outcome: 'failed' });
    this.logger.error('training round failed', { error: e instanceof Error ? e.message : String(e) });
  }

  record(report: RoundReport, headVersion: number | undefined): void {
    this.reports.push(report);
    if (this.reports.length > 100) this.reports.shift();
    this.count(report, headVersion);
    this.quality(report);
    if (report.checkpointError === undefined) {
      this.metrics.checkpoints.inc({ result: 'ok' });
    } else {
      this.metrics.checkpoints.inc({ result: 'failed' });
      this.logger.warn('checkpoint failed', { error: report.checkpointError.message });
    }
    this.log(report, headVersion);
  }

  private count(report: RoundReport, headVersion: number | undefined): void {
    const m = this.metrics;
    m.rounds.inc({ outcome: report.outcome });
    m.iterations.inc(report.iterations);
    m.updates.inc(report.updates);
    m.roundDuration.observe(report.durationMs / 1000);
    if (Number.isFinite(report.trainLoss)) m.trainLoss.set(report.trainLoss);
    if (Number.isFinite(report.validationLoss)) m.validationLoss.set({ model: 'candidate' }, report.validationLoss);
    if (Number.isFinite(report.currentLoss)) m.validationLoss.set({ model: 'current' }, report.currentLoss);
    if (report.outcome === 'published') m.published.inc();
    if (report.outcome === 'rejected') m.rejected.inc();
    // Counted here, not from the trainer's own streak, which restarts when it reverts to the head.
    if (report.outcome === 'published') this.rejectionsSincePublish = 0;
    if (report.outcome === 'rejected') this.rejectionsSincePublish += 1;
    m.rejectionsSincePublish.set(this.rejectionsSincePublish);
    if (headVersion !== undefined) m.publishedVersion.set(headVersion);
  }

  private quality(report: RoundReport): void {
    if (report.quality === undefined) return;
    for (const [model, q] of [
      ['candidate', report.quality.candidate],
      ['serving', report.quality.serving],
    ] as const) {
      if (Number.isFinite(q.medianRatio)) this.metrics.errorRatio.set({ model, baseline: 'last_value', stat: 'median' }, q.medianRatio);
      if (Number.isFinite(q.p90Ratio)) this.metrics.errorRatio.set({ model, baseline: 'last_value', stat: 'p90' }, q.p90Ratio);
      if (q.seasonalMedianRatio !== null) this.metrics.errorRatio.set({ model, baseline: 'seasonal_naive', stat: 'median' }, q.seasonalMedianRatio);
    }
  }

  private log(report: RoundReport, headVersion: number | undefined): void {
    const fields = {
      outcome: report.outcome,
      reason: report.reason,
      iterations: report.iterations,
      updates: report.updates,
      trainLoss: report.trainLoss,
      candidateLoss: report.validationLoss,
      currentLoss: report.currentLoss,
      worseThanLastValueShare: report.quality?.candidate.worseShare,
      validationStreams: report.validationStreams,
      version: report.version,
      headVersion,
      durationMs: report.durationMs,
    };
    if (report.outcome === 'failed') this.logger.error('training round failed', fields);
    else if (report.outcome === 'rejected') this.logger.info('candidate rejected', fields);
    else this.logger.info(report.outcome === 'published' ? 'candidate published' : 'training round skipped', fields);
  }
}
