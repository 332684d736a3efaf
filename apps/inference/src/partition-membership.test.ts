import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConsumedMessage } from '@streamcell/kafka';
import { createBundle, StreamingModel } from '@streamcell/model';
import { Metrics } from '@streamcell/observability';
import { BatchProcessor } from './batch-processor';
import { InferenceMetrics } from './inference.metrics';
import { PartitionTask } from './partition-task';
import { HostStateCache } from './state-tiers/host-cache';
import { expireIdleStates } from './state-tiers/state-expiry';
import { StepScheduler } from './step-scheduler';
import { StreamStore } from './stream-store';

let offset = 0;
const event = (stream: string): ConsumedMessage => ({
  topic: 'events',
  partition: 0,
  offset: String(offset++),
  key: Buffer.from(stream),
  value: Buffer.from(JSON.stringify({ stream, ts: Date.now(), values: [0.5, 0.25] })),
  headers: {},
  timestamp: Date.now(),
});
const topics = { predictions: 'p', alerts: 'a', dlq: 'd', state: 's' };

it('a stream given state by a step belongs to its partition, even when a TTL sweep ran between its wave and the step', async () => {
  const bundle = createBundle({ name: 'm', spec: { cell: 'lstm', layers: [4], inputWidth: 2, head: { units: 2 } }, init: { seed: 3 } });
  const store = new StreamStore(new HostStateCache(64 << 20, null));
  const model = await StreamingModel.create({ bundle, engine: { kind: 'reference' }, capacity: 16, onEvict: store.evict });
  try {
    store.attach(model);
    const scheduler = new StepScheduler(() => model);
    const processor = new BatchProcessor(store, scheduler, () => model, { zThreshold: 3, warmup: 5, cooldown: 2, halfLife: 100 }, new InferenceMetrics(new Metrics('inference', { processMetrics: false })), 'events', () => 1);
    const task = new PartitionTask(0);
    const ttl = 60_000;
    await processor.process(task, [event('S')]);
    store.put('S', store.record('S'), Date.now() - 2 * ttl); // idle past the TTL, in the host tier
    task.takeSnapshot(topics, (s) => store.record(s));
    // One tick: the expiry timer queues its sweep, then a late event for S arrives.
    const sweep = scheduler.exclusive(() => {
      expireIdleStates(store, [task], Date.now(), ttl);
      return Promise.resolve();
    });
    const late = processor.process(task, [event('S')]);
    await Promise.all([sweep, late]);
    assert.ok(store.record('S') !== null, 'the late event started S afresh');
    assert.ok(task.streams.has('S'), 'and its partition lists it (checkpoints, revokes and later sweeps see it)');
    task.takeSnapshot(topics, (s) => store.record(s));
    const later = expireIdleStates(store, [task], Date.now() + 2 * ttl, ttl);
    assert.deepEqual([later.expired, later.touched.length], [1, 1], 'a later sweep expires it with a tombstone');
  } finally {
    await model.dispose();
  }
});
