import { createHmac } from 'node:crypto';
import { postJson } from './http-post';
import type { Delivery, DeliveryTarget } from './target';

/** Header names of a webhook delivery. */
export const webhookHeaders = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed with the body, so a replayed request can be refused by age. */
  signature: 'x-streamcell-signature',
  /** Same for every delivery of one alert: receivers drop repeats by it. */
  idempotencyKey: 'idempotency-key',
} as const;

export interface WebhookOptions {
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

/** The signature header value for `body` sent at `unixSeconds`. */
export function signWebhook(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** The JSON body of a webhook delivery. */
export function webhookBody(d: Delivery): string {
  return JSON.stringify({
    version: 1,
    idempotencyKey: d.idempotencyKey,
    status: 'firing',
    startsAt: d.startsAt.toISOString(),
    endsAt: d.endsAt.toISOString(),
    liveViewUrl: d.liveViewUrl ?? null,
    alert: { ...d.alert, expected: Array.from(d.alert.expected), actual: Array.from(d.alert.actual) },
  });
}

/** A generic JSON webhook, signed (HMAC-SHA256 with a timestamp) and carrying an idempotency key. */
export class WebhookTarget implements DeliveryTarget {
  readonly name: string;

  constructor(
    private readonly options: WebhookOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.name = options.name;
  }

  deliver(delivery: Delivery, signal: AbortSignal): Promise<void> {
    const body = webhookBody(delivery);
    // Signed per attempt: a retry carries a fresh timestamp, so receivers may keep a short window.
    const signature = signWebhook(this.options.secret, Math.floor(this.now() / 1000), body);
    return postJson(this.options.url, body, { [webhookHeaders.signature]: signature, [webhookHeaders.idempotencyKey]: delivery.idempotencyKey }, this.options.timeoutMs, signal);
  }
}
