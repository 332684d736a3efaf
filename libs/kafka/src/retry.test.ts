import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError } from './errors';
import { retryRetriable } from './retry';

const transient = (): Error => Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError' });

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
    let calls = 0;
    await assert.rejects(
      retryRetriable(
        () => {
          calls++;
          return Promise.reject(Object.assign(new Error('denied'), { type: 'TOPIC_AUTHORIZATION_FAILED' }));
        },
        { context: 'start', initialDelayMs: 1 },
      ),
      (e: unknown) => e instanceof KafkaError && !e.retriable && /^start: denied/.test(e.message),
    );
    assert.equal(calls, 1);
  });

  it('gives up with the last error once the deadline would pass', async () => {
    let calls = 0;
    await assert.rejects(
      retryRetriable(
        () => {
          calls++;
          return Promise.reject(transient());
        },
        { context: 'connect', initialDelayMs: 20, deadlineMs: 50 },
      ),
      /ECONNREFUSED/,
    );
    assert.ok(calls >= 2 && calls <= 3, `calls ${calls}`);
  });

  it('lets the caller choose what is worth retrying', async () => {
    let calls = 0;
    await assert.rejects(
      retryRetriable(
        () => {
          calls++;
          return Promise.reject(transient());
        },
        { context: 'x', initialDelayMs: 1, shouldRetry: () => false },
      ),
    );
    assert.equal(calls, 1);
  });

  it('stops waiting as soon as it is aborted and makes no further attempt', async () => {
    const abort = new AbortController();
    let calls = 0;
    const started = Date.now();
    const run = retryRetriable(
      () => {
        calls++;
        return Promise.reject(transient());
      },
      { context: 'connect', initialDelayMs: 60_000, signal: abort.signal },
    );
    setTimeout(() => abort.abort(), 20);
    assert.equal(await run, undefined);
    assert.equal(calls, 1);
    assert.ok(Date.now() - started < 5000);
  });
});
