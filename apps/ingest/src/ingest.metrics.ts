import { rejectReasons } from '@streamcell/events';
import { initLabels, latencyBuckets, type Metrics } from '@streamcell/observability';

/** The ingest service's metrics (README, "Metrics"). */
export class IngestMetrics {
  readonly accepted;
  readonly rejected;
  readonly requestDuration;
  readonly produceDuration;
  readonly inFlightRequests;
  readonly producerErrors;
  readonly producerQueue;

  constructor(metrics: Metrics) {
    this.accepted = metrics.counter('streamcell_ingest_events_accepted_total', 'Events written to the events topic and acknowledged.', ['source']);
    this.rejected = metrics.counter('streamcell_ingest_events_rejected_total', 'Events refused (and dead-lettered), by reason.', ['source', 'reason']);
    this.requestDuration = metrics.histogram('streamcell_ingest_request_duration_seconds', 'HTTP request latency, by status code.', latencyBuckets, ['status']);
    this.produceDuration = metrics.histogram('streamcell_ingest_produce_duration_seconds', 'Time from produce to Kafka acknowledgement.', latencyBuckets);
    this.inFlightRequests = metrics.gauge('streamcell_ingest_requests_in_flight', 'HTTP requests being handled.');
    this.producerErrors = metrics.counter('streamcell_ingest_producer_errors_total', 'Produce failures, by kind (timeout, backpressure, unavailable, other).', ['kind']);
    this.producerQueue = metrics.gauge('streamcell_ingest_producer_queue_events', 'Events waiting for Kafka acknowledgement.');
    initLabels(this.accepted, { source: ['http', 'kafka'] });
    initLabels(this.rejected, { source: ['http', 'kafka'], reason: rejectReasons });
    initLabels(this.producerErrors, { kind: ['timeout', 'backpressure', 'unavailable', 'other'] });
  }
}
