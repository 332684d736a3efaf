import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError } from './errors';
import { retryRetriable, startupRetryLog } from './retry';

const transient = (): Error => Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError' });

/** An attempt that always fails with `error()`, counting its calls. */
function alwaysFailing(error: () => Error = transient): { attempt: () => Promise<never>; calls: () => number } {
  let calls = 0;
  return {
    attempt: () => {
      calls++;
      return Promise.reject(error());
    },
    calls: () => calls,
  };
}

describe('retryRetriable', () => {
  it('retries transient failures with growing delays until the attempt succeeds', async () => {
    let calls = 0;
    const delays: number[] = [];
    const result = await retryRetriable(
      () => {
        calls++;
        return calls < 4 ? Promise.reject(transient()) : Promise.resolve('ok');
      },
      { context: 'connect', initialDelayMs: 1, maxDelayMs: 3, onRetry: (_e, ms) => delays.push(ms) },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 4);
    assert.deepEqual(delays, [1, 2, 3]);
  });

  it('throws an error no retry can fix at once, as a KafkaError naming the operation', async () => {
    const denied = alwaysFailing(() => Object.assign(new Error('denied'), { type: 'TOPIC_AUTHORIZATION_FAILED' }));
    await assert.rejects(
      retryRetriable(denied.attempt, { context: 'start', initialDelayMs: 1 }),
      (e: unknown) => e instanceof KafkaError && !e.retriable && /^start: denied/.test(e.message),
    );
    assert.equal(denied.calls(), 1);
  });

  it('gives up with the last error once the deadline would pass', async () => {
    const down = alwaysFailing();
    await assert.rejects(retryRetriable(down.attempt, { context: 'connect', initialDelayMs: 20, deadlineMs: 50 }), /ECONNREFUSED/);
    assert.ok(down.calls() >= 2 && down.calls() <= 3, `calls ${down.calls()}`);
  });

  it('lets the caller choose what is worth retrying', async () => {
    const down = alwaysFailing();
    await assert.rejects(retryRetriable(down.attempt, { context: 'x', initialDelayMs: 1, shouldRetry: () => false }));
    assert.equal(down.calls(), 1);
  });

  it('stops waiting as soon as it is aborted and makes no further attempt', async () => {
    const abort = new AbortController();
    const down = alwaysFailing();
    const started = Date.now();
    const run = retryRetriable(down.attempt, { context: 'connect', initialDelayMs: 60_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    assert.equal(await run, undefined);
    assert.equal(down.calls(), 1);
    assert.ok(Date.now() - started < 5000);
  });
});

describe('startupRetryLog', () => {
  it('logs retries at info while start-up is young, and at warn once they have gone on for the grace period', () => {
    let t = 1_000;
    const lines: string[] = [];
    const logger = {
      info: (msg: string, f?: Record<string, unknown>) => lines.push(`info ${msg} ${JSON.stringify(f)}`),
      warn: (msg: string, f?: Record<string, unknown>) => lines.push(`warn ${msg} ${JSON.stringify(f)}`),
    };
    const onRetry = startupRetryLog(logger, 'not yet', { topic: 'events' }, { graceMs: 10_000, now: () => t });
    const error = new KafkaError('start: This server is not the leader for that topic-partition', true);
    t += 300;
    onRetry(error, 250);
    t += 9_600;
    onRetry(error, 500);
    t += 100;
    onRetry(error, 1000);
    assert.deepEqual(lines, [
      'info not yet {"topic":"events","error":"start: This server is not the leader for that topic-partition","retriable":true,"retryInMs":250}',
      'info not yet {"topic":"events","error":"start: This server is not the leader for that topic-partition","retriable":true,"retryInMs":500}',
      'warn not yet {"topic":"events","error":"start: This server is not the leader for that topic-partition","retriable":true,"retryInMs":1000}',
    ]);
  });

  it('warns at once about an error no wait can fix, in a loop that retries everything', () => {
    const lines: string[] = [];
    const logger = { info: (msg: string) => lines.push(`info ${msg}`), warn: (msg: string) => lines.push(`warn ${msg}`) };
    const onRetry = startupRetryLog(logger, 'not yet', {}, { now: () => 0 });
    onRetry(new KafkaError('connect: Topic authorization failed', false), 250);
    assert.deepEqual(lines, ['warn not yet']);
  });
});
