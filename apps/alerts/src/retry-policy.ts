import { DeliveryError, type Delivery, type DeliveryTarget } from './targets/target';

/** How often and how patiently one alert is offered to one target. */
export interface RetryPolicy {
  /** Attempts in all, the first included (ALERTS_MAX_ATTEMPTS). */
  readonly maxAttempts: number;
  /** Wait before the first retry (ms); doubles per retry. */
  readonly initialBackoffMs: number;
  /** Longest wait between retries (ms). */
  readonly maxBackoffMs: number;
}

/**
 * The wait before retry `retry` (1 = the first): exponential, capped, with "equal jitter" (half
 * fixed, half random) so replicas that failed together do not retry in lockstep.
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(retry - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export type AttemptsResult =
  | { readonly kind: 'accepted'; readonly attempts: number }
  | { readonly kind: 'failed'; readonly reason: 'delivery_failed' | 'delivery_rejected'; readonly detail: string; readonly attempts: number }
  | { readonly kind: 'aborted' };

export interface AttemptHooks {
  /** Waits `ms`; returns early when aborted. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  onRetry(error: DeliveryError, attempt: number, retryInMs: number): void;
  random?: () => number;
}

/**
 * Offers `delivery` to `target` up to `attempts` times with backoff between failures. A refusal no
 * retry can fix (DeliveryError.retriable false) ends at once; aborting (shutdown) ends at once
 * without a verdict, so the record is not committed and is read again.
 */
export async function deliverWithRetries(target: DeliveryTarget, delivery: Delivery, attempts: number, policy: RetryPolicy, signal: AbortSignal, hooks: AttemptHooks): Promise<AttemptsResult> {
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return { kind: 'aborted' };
    try {
      await target.deliver(delivery, signal);
      return { kind: 'accepted', attempts: attempt };
    } catch (e) {
      if (signal.aborted) return { kind: 'aborted' };
      const error = e instanceof DeliveryError ? e : new DeliveryError(e instanceof Error ? e.message : String(e), true, { cause: e });
      if (!error.retriable) return { kind: 'failed', reason: 'delivery_rejected', detail: `${target.name} refused the alert: ${error.message}`, attempts: attempt };
      if (attempt >= attempts) {
        return { kind: 'failed', reason: 'delivery_failed', detail: `${target.name} failed ${attempt} attempt(s), last: ${error.message}`, attempts: attempt };
      }
      const wait = backoffMs(policy, attempt, hooks.random);
      hooks.onRetry(error, attempt, wait);
      await hooks.wait(wait, signal);
    }
  }
}
