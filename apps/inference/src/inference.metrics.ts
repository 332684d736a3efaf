import { inferenceDeadLetterReasons, rejectReasons } from '@streamcell/events';
import { initLabels, latencyBuckets, type Metrics } from '@streamcell/observability';
import { ForecastErrorMeter } from './forecast-error';

const sizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

/** The inference service's metrics (README, "Metrics"). */
export class InferenceMetrics {
  readonly eventsProcessed;
  readonly predictions;
  readonly alerts;
  readonly dlq;
  readonly stepBatchSize;
  readonly stepDuration;
  readonly endToEndLatency;
  readonly commitDuration;
  readonly transactionFailures;
  readonly consumerLag;
  readonly stateStreams;
  readonly evictions;
  readonly restoredStreams;
  readonly restoreRecords;
  readonly stateExpired;
  readonly restoreDuration;
  readonly modelVersion;
  readonly weightsRefused;
  readonly stateResets;
  readonly streamResets;
  readonly misrouted;
  readonly forecastError;

  constructor(m: Metrics) {
    this.eventsProcessed = m.counter('streamcell_inference_events_processed_total', 'Events stepped (or ended) and committed to outputs.');
    this.predictions = m.counter('streamcell_inference_predictions_total', 'Predictions written.');
    this.alerts = m.counter('streamcell_inference_alerts_total', 'Alerts written.');
    this.dlq = m.counter('streamcell_inference_dlq_total', 'Invalid events sent to the dead-letter topic, by reason.', ['reason']);
    this.stepBatchSize = m.histogram('streamcell_inference_step_batch_size', 'Streams stepped together in one model step.', sizeBuckets);
    this.stepDuration = m.histogram('streamcell_inference_step_duration_seconds', 'Duration of one batched model step.', latencyBuckets);
    this.endToEndLatency = m.histogram('streamcell_inference_end_to_end_latency_seconds', 'Event time to prediction committed.', [...latencyBuckets, 30, 60, 300]);
    this.commitDuration = m.histogram('streamcell_inference_commit_duration_seconds', 'Duration of one output commit (a transaction under exactly-once).', latencyBuckets);
    this.transactionFailures = m.counter('streamcell_inference_transaction_failures_total', 'Failed commits, by outcome (retried, fenced, reinitialised).', ['outcome']);
    this.consumerLag = m.gauge('streamcell_inference_consumer_lag', 'Records behind the end of each events partition, as of the last fetch.', ['partition']);
    this.stateStreams = m.gauge('streamcell_inference_state_streams', 'Streams with state, by where it is: engine (the model\'s table), host (memory), disk.', ['where']);
    this.stateExpired = m.counter('streamcell_inference_state_expired_total', 'Stream states dropped by the state TTL (INFERENCE_STATE_TTL_MS) and tombstoned in the changelog.');
    this.evictions = m.counter('streamcell_inference_evictions_total', 'Streams moved off the engine table, by reason (idle, lru).', ['reason']);
    this.restoredStreams = m.counter('streamcell_inference_restored_streams_total', 'Stream states restored from the changelog.');
    this.restoreRecords = m.counter('streamcell_inference_restore_records_total', 'Stream records read to restore partitions, by source: checkpoint (local, warm restart) or changelog.', ['source']);
    this.restoreDuration = m.histogram('streamcell_inference_restore_duration_seconds', 'Time to restore newly assigned partitions from the changelog.', [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120]);
    // With INFERENCE_THREADS > 1 the process reports the lowest version any thread serves.
    this.modelVersion = m.gauge('streamcell_inference_model_version', 'Version of the model being served (0 = none).', [], 'min');
    this.weightsRefused = m.counter('streamcell_inference_weights_refused_total', 'Weights bundles refused (corrupt, wrong shape, other model input width), by error.', ['error']);
    this.stateResets = m.counter('streamcell_inference_state_resets_total', 'Model swaps that reset all stream states (architecture changed).');
    this.streamResets = m.counter('streamcell_inference_stream_resets_total', 'Single streams whose state was dropped, by reason (state_not_finite: the state or output overflowed).', ['reason']);
    this.misrouted = m.counter('streamcell_inference_misrouted_events_total', 'Events on a partition their stream id does not hash to (murmur2), dead-lettered.');
    this.forecastError = new ForecastErrorMeter(m);
    initLabels(this.dlq, { reason: [...rejectReasons, ...inferenceDeadLetterReasons] });
    initLabels(this.streamResets, { reason: ['state_not_finite'] });
    initLabels(this.transactionFailures, { outcome: ['retried', 'fenced', 'reinitialised'] });
    initLabels(this.evictions, { reason: ['idle', 'lru'] });
    initLabels(this.restoreRecords, { source: ['checkpoint', 'changelog'] });
    initLabels(this.weightsRefused, {
      error: ['BundleFormatError', 'UnsupportedBundleVersionError', 'BundleChecksumError', 'BundleShapeError', 'BundleNonFiniteError', 'ModelSpecError', 'EngineUnavailableError', 'Error'],
    });
  }
}
