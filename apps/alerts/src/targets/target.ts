import type { AlertV1 } from '@streamcell/events';

/** One alert as every target receives it: the alert, its identity and its firing window. */
export interface Delivery {
  readonly alert: AlertV1;
  /** Same for every delivery of the same alert, redeliveries after a crash included (alert-identity.ts). */
  readonly idempotencyKey: string;
  readonly startsAt: Date;
  /** When the alert resolves unless something extends it (ALERTS_RESOLVE_AFTER_MS after it was taken). */
  readonly endsAt: Date;
  /** The live view with this alert's stream selected. */
  /** The live view with the alert's stream selected; undefined when no live view is configured. */
  readonly liveViewUrl: string | undefined;
}

/** Where alerts go: Alertmanager or a webhook. `deliver` resolves once the target accepted the alert. */
export interface DeliveryTarget {
  /** Names the target in metrics, logs and dead letters (`alertmanager-1`, `webhook-2`). */
  readonly name: string;
  deliver(delivery: Delivery, signal: AbortSignal): Promise<void>;
}

/** A failed attempt; `retriable` says whether another attempt may succeed (unreachable, 5xx, 429). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
