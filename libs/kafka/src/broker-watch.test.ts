import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerWatch } from './broker-watch';
import { brokerCheck, consumerCheck } from './health-checks';

/** Polls until `cond` holds (the watch runs on timers). */
async function until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('BrokerWatch', () => {
  it('holds the last answer and follows the broker going away and coming back', async () => {
    let up = true;
    let calls = 0;
    const watch = new BrokerWatch(
      () => {
        calls++;
        return up ? Promise.resolve(3) : Promise.reject(new Error('connect ECONNREFUSED'));
      },
      { intervalMs: 10, timeoutMs: 100 },
    );
    assert.deepEqual({ reachable: watch.status.reachable }, { reachable: false }, 'unknown counts as unreachable');
    watch.start();
    try {
      await until(() => watch.status.reachable);
      assert.equal(watch.status.reachable && watch.status.brokers, 3);
      up = false;
      await until(() => !watch.status.reachable);
      assert.match(brokerCheckError(watch), /ECONNREFUSED/);
      up = true;
      await until(() => watch.status.reachable);
      assert.ok(calls >= 3);
    } finally {
      watch.stop();
    }
  });

  it('reports a check that hangs (frozen broker) as unreachable after the timeout, without piling up checks', async () => {
    let calls = 0;
    const watch = new BrokerWatch(
      () => {
        calls++;
        return new Promise<number>(() => undefined); // never answers
      },
      { intervalMs: 10, timeoutMs: 30 },
    );
    watch.start();
    try {
      await until(() => watch.status.reachable === false && watch.status.checkedAt !== undefined);
      assert.match(brokerCheckError(watch), /no answer from Kafka within 30 ms/);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(calls, 1, 'one check at a time');
    } finally {
      watch.stop();
    }
  });
});

describe('health checks over held state', () => {
  it('says why a consumer is not consuming', () => {
    assert.deepEqual(consumerCheck({ state: 'consuming' }, { topic: 't' }), { topic: 't', state: 'consuming' });
    assert.throws(() => consumerCheck({ state: 'restarting', error: new Error('ECONNREFUSED') }), /restarting after: ECONNREFUSED/);
    assert.throws(() => consumerCheck({ state: 'failed', error: new Error('denied') }), /failed, not restarting: denied/);
    assert.throws(() => consumerCheck(undefined), /not started/);
  });
});

function brokerCheckError(watch: BrokerWatch): string {
  try {
    brokerCheck(watch.status);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the check to fail');
}
