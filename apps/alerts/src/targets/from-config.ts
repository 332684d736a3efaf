import type { AlertsConfig } from '../config';
import { AlertmanagerTarget } from './alertmanager-target';
import type { DeliveryTarget } from './target';
import { WebhookTarget } from './webhook-target';

/** The configured targets, named `alertmanager-<n>` and `webhook-<n>` in the order given. */
export function targetsFromConfig(c: AlertsConfig): DeliveryTarget[] {
  const alertmanagers = c.alertmanagerUrls.map((url, i) => new AlertmanagerTarget({ name: `alertmanager-${i + 1}`, url, severity: c.severity, timeoutMs: c.timeoutMs }));
  // alertsConfigProblems refuses webhook URLs without a secret before this runs.
  const webhooks = c.webhookUrls.map((url, i) => new WebhookTarget({ name: `webhook-${i + 1}`, url, secret: c.webhookSecret ?? '', timeoutMs: c.timeoutMs }));
  return [...alertmanagers, ...webhooks];
}
