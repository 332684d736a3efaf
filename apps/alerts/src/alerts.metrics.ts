import { alertRejectReasons } from '@streamcell/events';
import { initLabels, type Metrics } from '@streamcell/observability';

/** Outcomes of an `alerts` record, once it is committed. */
export const recordOutcomes = ['delivered', 'suppressed', 'dead_lettered', 'invalid'] as const;
export type RecordOutcome = (typeof recordOutcomes)[number];

export const deliveryFailureReasons = ['delivery_failed', 'delivery_rejected'] as const;
export type DeliveryFailureReason = (typeof deliveryFailureReasons)[number];

/** Delivery takes seconds when a target answers and minutes when it retries. */
const deliveryBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The alerts service's metrics (README, "Alerts service"). */
export class AlertsMetrics {
  readonly records;
  readonly delivered;
  readonly retries;
  readonly deadLettered;
  readonly invalid;
  readonly deliverySeconds;
  readonly targetUp;
  readonly firingStreams;

  /** `firing`: the streams flood control holds a firing alert for now (read at each scrape, so it falls as alerts resolve with no record coming in). */
  constructor(metrics: Metrics, targets: readonly string[], firing: () => number = () => 0) {
    this.records = metrics.counter('streamcell_alerts_records_total', 'Records read from alerts and committed, by outcome (delivered, suppressed by flood control, dead_lettered, invalid).', ['outcome']);
    this.delivered = metrics.counter('streamcell_alerts_delivered_total', 'Alerts a target accepted, by target.', ['target']);
    this.retries = metrics.counter('streamcell_alerts_retries_total', 'Delivery attempts that failed and were retried, by target.', ['target']);
    this.deadLettered = metrics.counter('streamcell_alerts_dead_lettered_total', 'Alerts written to alerts.dlq because a target did not take them, by target and reason.', ['target', 'reason']);
    this.invalid = metrics.counter('streamcell_alerts_invalid_records_total', 'Records on alerts that are not alert v1 (dead-lettered), by reason.', ['reason']);
    this.deliverySeconds = metrics.histogram('streamcell_alerts_delivery_seconds', 'Time from reading an alert to a target accepting it, retries included, by target.', deliveryBuckets, ['target']);
    this.targetUp = metrics.gauge('streamcell_alerts_target_up', '1 while a target takes alerts, 0 after one exhausted its retries (until one is accepted again).', ['target']);
    this.firingStreams = metrics.observedGauge('streamcell_alerts_firing_streams', 'Streams with a firing alert held by flood control.', firing);
    initLabels(this.records, { outcome: recordOutcomes });
    initLabels(this.delivered, { target: targets });
    initLabels(this.retries, { target: targets });
    initLabels(this.deadLettered, { target: targets, reason: deliveryFailureReasons });
    initLabels(this.invalid, { reason: alertRejectReasons });
    // Histograms too: the latency panels and rules see every target before its first delivery.
    for (const target of targets) this.deliverySeconds.zero({ target });
  }
}
