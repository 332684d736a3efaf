import { initLabels, type Metrics } from '@streamcell/observability';

/** Round durations span sub-second test rounds to many-minute production rounds. */
const roundBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The trainer's metrics (docs/trainer.md, "Metrics"). */
export class TrainerMetrics {
  readonly rounds;
  readonly iterations;
  readonly updates;
  readonly trainLoss;
  readonly validationLoss;
  readonly errorRatio;
  readonly published;
  readonly rejected;
  readonly rejectionsSincePublish;
  readonly publishedVersion;
  readonly roundDuration;
  readonly streams;
  readonly windowEvents;
  readonly checkpointAge;
  readonly checkpoints;
  readonly events;

  constructor(metrics: Metrics) {
    this.rounds = metrics.counter('streamcell_trainer_rounds_total', 'Training rounds, by outcome (published, rejected, skipped, failed).', ['outcome']);
    this.iterations = metrics.counter('streamcell_trainer_iterations_total', 'TBPTT iterations (k2 steps of a batch of streams each).');
    this.updates = metrics.counter('streamcell_trainer_updates_total', 'Optimiser (Adam) updates applied.');
    this.trainLoss = metrics.gauge('streamcell_trainer_train_loss', 'Mean training loss of the last round (normalised units).');
    this.validationLoss = metrics.gauge(
      'streamcell_trainer_validation_loss',
      'Median over validation streams of the forecast error / last-value error on the last round\'s holdout, of the candidate and of the serving version.',
      ['model'],
    );
    this.errorRatio = metrics.gauge(
      'streamcell_trainer_forecast_error_ratio',
      'Forecast error / baseline error on the last round\'s holdout, each stream in its own units, summarised over streams (stat: median, p90; baseline: last_value, seasonal_naive), of the candidate and of the serving version.',
      ['model', 'baseline', 'stat'],
    );
    this.published = metrics.counter('streamcell_trainer_candidates_published_total', 'Candidates that beat the serving version and were published.');
    this.rejected = metrics.counter('streamcell_trainer_candidates_rejected_total', 'Candidates that did not beat the serving version by the margin.');
    this.rejectionsSincePublish = metrics.gauge(
      'streamcell_trainer_rejections_since_publish',
      'Candidates rejected in a row since this trainer last published (or started); the "rejections in a row" alert reads it.',
    );
    this.publishedVersion = metrics.gauge('streamcell_trainer_published_version', 'Version of the model currently at the head of model.weights, as the trainer knows it.');
    this.roundDuration = metrics.histogram('streamcell_trainer_round_duration_seconds', 'Wall time of a training round (training, validation, publish, checkpoint).', roundBuckets);
    this.streams = metrics.gauge('streamcell_trainer_streams', 'Streams whose windows are held.');
    this.windowEvents = metrics.gauge('streamcell_trainer_window_events', 'Events held in all windows.');
    this.checkpointAge = metrics.gauge('streamcell_trainer_checkpoint_age_seconds', 'Seconds since the last checkpoint was written or resumed from (-1: none yet).');
    this.checkpoints = metrics.counter('streamcell_trainer_checkpoints_total', 'Checkpoint writes, by result (ok, failed).', ['result']);
    this.events = metrics.counter('streamcell_trainer_events_total', 'Events consumed, by result (ok, ended, width, not_finite, malformed).', ['result']);
    initLabels(this.rounds, { outcome: ['published', 'rejected', 'skipped', 'failed'] });
    initLabels(this.checkpoints, { result: ['ok', 'failed'] });
    initLabels(this.events, { result: ['ok', 'ended', 'width', 'not_finite', 'malformed'] });
  }
}
