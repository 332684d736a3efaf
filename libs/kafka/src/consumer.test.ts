import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { silentLogger } from './client';
import { BatchConsumer } from './consumer';

type Listener = (event: { payload: Record<string, unknown> }) => void;

const joined = { memberAssignment: { events: [0] } };

/** A kafkajs consumer that only records listeners, so the test can play kafkajs's events. */
function fakeKafka(onRun: (emit: (event: string, payload?: Record<string, unknown>) => void) => void = (emit) => emit('group_join', joined)): {
  kafka: Kafka;
  emit: (event: string, payload?: Record<string, unknown>) => void;
  calls: { run: number };
} {
  const listeners = new Map<string, Listener[]>();
  const events = { GROUP_JOIN: 'group_join', CRASH: 'crash', FETCH_START: 'fetch_start', REBALANCING: 'rebalancing', END_BATCH_PROCESS: 'end_batch_process' };
  const calls = { run: 0 };
  const consumer = {
    events,
    on: (name: string, listener: Listener) => listeners.set(name, [...(listeners.get(name) ?? []), listener]),
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    // As kafkajs: run() joins the group (emitting GROUP_JOIN, or CRASH when the join fails) and resolves either way.
    run: () => {
      calls.run += 1;
      onRun(emit);
      return Promise.resolve();
    },
    disconnect: () => Promise.resolve(),
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const emit = (name: string, payload: Record<string, unknown> = {}): void => listeners.get(name)?.forEach((l) => l({ payload }));
  return { kafka, emit, calls };
}

const refused = (): Error => Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' });

describe('BatchConsumer health', () => {
  it('is consuming once started', async () => {
    const { kafka } = fakeKafka();
    const c = new BatchConsumer(kafka, { groupId: 'g', topics: ['events'] }, silentLogger);
    assert.equal(c.healthState.state, 'starting');
    await c.start(() => Promise.resolve());
    assert.equal(c.healthState.state, 'consuming');
  });

  it('is not consuming when its first group join crashed, although kafkajs resolved run()', async () => {
    const { kafka, emit } = fakeKafka((e) => e('crash', { error: refused(), groupId: 'g', restart: true }));
    const c = new BatchConsumer(kafka, { groupId: 'g', topics: ['events'] }, silentLogger);
    await c.start(() => Promise.resolve());
    assert.equal(c.healthState.state, 'restarting');
    emit('group_join', joined);
    assert.equal(c.healthState.state, 'consuming');
  });

  it('recovers from a crash kafkajs restarts from (broker restart) once the consumer rejoins', async () => {
    const { kafka, emit } = fakeKafka();
    const c = new BatchConsumer(kafka, { groupId: 'g', topics: ['events'] }, silentLogger);
    await c.start(() => Promise.resolve());
    emit('crash', { error: refused(), groupId: 'g', restart: true });
    assert.equal(c.healthState.state, 'restarting');
    assert.equal(c.crashError, undefined, 'a restartable crash is not a failure');
    // kafkajs restarts: each attempt that cannot reach the broker crashes again.
    emit('crash', { error: refused(), groupId: 'g', restart: true });
    emit('group_join', joined);
    assert.deepEqual(c.healthState, { state: 'consuming' });
  });

  it('recovers on the first fetch too', async () => {
    const { kafka, emit } = fakeKafka();
    const c = new BatchConsumer(kafka, { groupId: 'g', topics: ['events'] }, silentLogger);
    await c.start(() => Promise.resolve());
    emit('crash', { error: refused(), groupId: 'g', restart: true });
    emit('fetch_start', { nodeId: 1 });
    assert.equal(c.healthState.state, 'consuming');
  });

  it('stays failed after a crash kafkajs does not restart from', async () => {
    const { kafka, emit } = fakeKafka();
    const c = new BatchConsumer(kafka, { groupId: 'g', topics: ['events'] }, silentLogger);
    await c.start(() => Promise.resolve());
    const fatal = new Error('Not authorized to access group');
    emit('crash', { error: fatal, groupId: 'g', restart: false });
    emit('fetch_start', { nodeId: 1 });
    assert.equal(c.healthState.state, 'failed');
    assert.equal(c.crashError, fatal);
  });

  it('restarts itself after a crash kafkajs gives up on but that only meant "cluster unreachable" (coordinator lookup during a broker restart)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { kafka, emit, calls } = fakeKafka();
    const c = new BatchConsumer(kafka, { groupId: 'g', topics: ['events'] }, silentLogger);
    await c.start(() => Promise.resolve());
    assert.equal(calls.run, 1);
    const lookup = Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' });
    emit('crash', { error: lookup, groupId: 'g', restart: false });
    assert.equal(c.healthState.state, 'restarting', 'not a permanent failure');
    assert.equal(c.crashError, undefined);
    t.mock.timers.tick(1000);
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.run, 2, 'connected and running again');
    emit('group_join', joined);
    assert.equal(c.healthState.state, 'consuming');
  });

  it('is stopped after stop(), whatever kafkajs reports while it disconnects', async () => {
    const { kafka, emit } = fakeKafka();
    const c = new BatchConsumer(kafka, { groupId: 'g', topics: ['events'] }, silentLogger);
    await c.start(() => Promise.resolve());
    await c.stop();
    emit('crash', { error: refused(), groupId: 'g', restart: false });
    emit('group_join', joined);
    assert.equal(c.healthState.state, 'stopped');
    assert.equal(c.crashError, undefined);
  });
});
