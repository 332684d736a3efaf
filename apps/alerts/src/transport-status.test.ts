import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransportStatus } from './transport-status';

describe('TransportStatus', () => {
  it('is consuming only while connected or rebalancing', () => {
    const s = new TransportStatus();
    assert.equal(s.consuming, false, 'not before the transport reports');
    s.set('connected');
    assert.ok(s.consuming);
    s.set('rebalancing');
    assert.ok(s.consuming);
    s.set('crashed');
    assert.equal(s.consuming, false);
  });

  it('keeps the cause of a crash kafkajs restarts from across the disconnect that is part of the restart', () => {
    const s = new TransportStatus();
    s.set('restarting after: connect ECONNREFUSED');
    s.set('disconnected');
    assert.equal(s.value, 'restarting after: connect ECONNREFUSED');
    s.set('connected');
    assert.ok(s.consuming);
    s.set('disconnected');
    assert.equal(s.value, 'disconnected');
  });

  /** A consumer's event surface (kafkajs's names), with emit for the test. */
  function consumer() {
    const handlers = new Map<string, ((e: unknown) => void)[]>();
    return {
      events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
      on: (name: string, h: (e: unknown) => void) => handlers.set(name, [...(handlers.get(name) ?? []), h]),
      emit: (name: string, e: unknown = {}) => (handlers.get(name) ?? []).forEach((h) => h(e)),
    };
  }
  const crash = (name: string, restart: boolean) => ({ payload: { error: Object.assign(new Error('gone'), { name }), restart } });
  const until = async (f: () => boolean) => {
    for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
  };

  it('runs the consumer again after a crash kafkajs gives up on although the cluster is only away for a while', async () => {
    const s = new TransportStatus();
    const c = consumer();
    let restarts = 0;
    // The first restart fails (broker still away), the second works.
    s.follow(c as never, () => (++restarts === 1 ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve()), () => false, [1]);
    c.emit(c.events.CRASH, crash('KafkaJSGroupCoordinatorNotFound', false));
    assert.equal(s.value, 'restarting after: gone');
    await until(() => restarts === 2);
    assert.equal(restarts, 2);
    c.emit(c.events.GROUP_JOIN);
    assert.ok(s.consuming);
  });

  it('leaves other crashes, and crashes while stopping, to kafkajs or to a person', async () => {
    const s = new TransportStatus();
    const c = consumer();
    let restarts = 0;
    let stopping = false;
    s.follow(c as never, () => (restarts++, Promise.resolve()), () => stopping, [1]);
    c.emit(c.events.CRASH, crash('KafkaJSNonRetriableError', false));
    assert.equal(s.value, 'crashed: gone');
    c.emit(c.events.CRASH, crash('KafkaJSConnectionError', true)); // kafkajs restarts this one itself
    stopping = true;
    c.emit(c.events.CRASH, crash('KafkaJSGroupCoordinatorNotFound', false));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(restarts, 0);
  });
});
