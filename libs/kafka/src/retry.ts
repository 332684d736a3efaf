import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaLogger } from './client';
import { toKafkaError, type KafkaError } from './errors';

export interface RetryOptions {
  /** Names the operation in the errors thrown (`<context>: <cause>`). */
  readonly context: string;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Give up after this long and throw the last error; unset = retry until aborted. */
  readonly deadlineMs?: number;
  /** Aborting ends the wait at once; the helper then resolves `undefined` without another attempt. */
  readonly signal?: AbortSignal;
  /** Decides what is worth another attempt; default: whatever `toKafkaError` calls retriable. */
  readonly shouldRetry?: (error: KafkaError) => boolean;
  readonly onRetry?: (error: KafkaError, retryInMs: number, attempt: number) => void;
}

/**
 * Runs `attempt` until it succeeds, with exponential backoff between failures. Errors no retry
 * can fix (a permanent broker error, a topic with the wrong layout) are thrown at once, so a
 * service reports them instead of spinning; transient ones (broker down, metadata still
 * propagating after another process created a topic) are retried. Every service start-up and
 * topic check shares this one policy.
 */
export async function retryRetriable<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T | undefined> {
  const { context, initialDelayMs = 250, maxDelayMs = 5000, deadlineMs, signal, shouldRetry = (e) => e.retriable, onRetry } = options;
  const deadline = deadlineMs === undefined ? Infinity : Date.now() + deadlineMs;
  // A function, not a property read, so the compiler does not narrow it across the awaits.
  const aborted = (): boolean => signal?.aborted === true;
  let delay = initialDelayMs;
  for (let n = 1; ; n++) {
    if (aborted()) return undefined;
    try {
      return await attempt();
    } catch (e) {
      const error = toKafkaError(e, context);
      if (aborted()) return undefined;
      if (!shouldRetry(error) || Date.now() + delay > deadline) throw error;
      onRetry?.(error, delay, n);
      try {
        await sleep(delay, undefined, signal === undefined ? undefined : { signal });
      } catch {
        return undefined; // aborted while waiting
      }
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}

/**
 * An `onRetry` for a service's start-up. A fresh cluster answers "not yet" for a moment (topics
 * just created, leaders being elected, a group coordinator loading): those retries are info. Once
 * they have gone on for `graceMs` something needs a look (a broker away, a topic nobody creates),
 * and they are warnings. An error that is not retriable (a missing ACL, a topic with too few
 * partitions) is a warning from the first: some loops retry everything, and waiting cannot fix
 * it. The clock starts when this is called, with the retry loop.
 */
export function startupRetryLog(
  logger: Pick<KafkaLogger, 'info' | 'warn'>,
  message: string,
  fields: Record<string, unknown> = {},
  { graceMs = 10_000, now = Date.now }: { graceMs?: number; now?: () => number } = {},
): (error: KafkaError, retryInMs: number) => void {
  const since = now();
  return (error, retryInMs) => {
    const entry = { ...fields, error: error.message, retriable: error.retriable, retryInMs };
    if (error.retriable && now() - since < graceMs) logger.info(message, entry);
    else logger.warn(message, entry);
  };
}
