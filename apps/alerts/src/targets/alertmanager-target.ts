import { postJson } from './http-post';
import type { Delivery, DeliveryTarget } from './target';

/** Labels name the alert (Alertmanager groups, silences and routes on them); annotations describe it. */
export interface AlertmanagerOptions {
  readonly name: string;
  /** Base URL, e.g. http://alertmanager:9093 (a path prefix such as /alertmanager is kept). */
  readonly url: string;
  readonly severity: string;
  readonly timeoutMs: number;
}

/** 4 significant digits for the one-line summary; the annotations keep the full values. */
const brief = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : 'NaN');

const vector = (v: ArrayLike<number>): string => `[${Array.from(v, (x) => (Number.isFinite(x) ? String(x) : 'NaN')).join(', ')}]`;

/** The alert in Alertmanager's API v2 form (`postableAlert`). */
export function toPostableAlert(d: Delivery, severity: string): Record<string, unknown> {
  const a = d.alert;
  return {
    labels: {
      alertname: 'StreamcellAnomaly',
      stream: a.stream,
      model: a.model.name,
      model_version: String(a.model.version),
      severity,
    },
    annotations: {
      summary: `stream ${a.stream}: ${a.rule} score ${brief(a.score)} (forecast error ${brief(a.residual)}, threshold ${brief(a.threshold)})`,
      rule: a.rule,
      score: String(a.score),
      residual: String(a.residual),
      threshold: String(a.threshold),
      forecast: vector(a.expected),
      actual: vector(a.actual),
      ...(d.liveViewUrl === undefined ? {} : { live_view: d.liveViewUrl }),
      idempotency_key: d.idempotencyKey,
    },
    startsAt: d.startsAt.toISOString(),
    endsAt: d.endsAt.toISOString(),
    // Alertmanager's UI shows this as the alert's source link.
    ...(d.liveViewUrl === undefined ? {} : { generatorURL: d.liveViewUrl }),
  };
}

/**
 * Prometheus Alertmanager, API v2. Posting the same label set again is idempotent on its side
 * (it updates the one alert), so a redelivery never shows twice; `endsAt` makes it resolve by
 * itself after the quiet period.
 */
export class AlertmanagerTarget implements DeliveryTarget {
  readonly name: string;
  private readonly endpoint: string;

  constructor(private readonly options: AlertmanagerOptions) {
    this.name = options.name;
    this.endpoint = `${options.url.replace(/\/+$/, '')}/api/v2/alerts`;
  }

  deliver(delivery: Delivery, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify([toPostableAlert(delivery, this.options.severity)]);
    return postJson(this.endpoint, body, {}, this.options.timeoutMs, signal);
  }
}
