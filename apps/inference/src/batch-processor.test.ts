import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBundle, StreamingModel } from '@streamcell/model';
import { DEAD_LETTER_KEPT_BYTES, dlqHeaders } from '@streamcell/events';
import { partitionOfKey, type ConsumedMessage } from '@streamcell/kafka';
import { Metrics } from '@streamcell/observability';
import { BatchProcessor } from './batch-processor';
import { InferenceMetrics } from './inference.metrics';
import { PartitionTask } from './partition-task';
import { HostStateCache } from './state-tiers/host-cache';
import { StepScheduler } from './step-scheduler';
import { StreamStore } from './stream-store';

const PARTITIONS = 4;
let offset = 0;

/** An event as it sits on `events`, on the partition its stream hashes to unless told otherwise. */
function record(stream: string, values: number[], partition = partitionOfKey(stream, PARTITIONS)): ConsumedMessage {
  const value = Buffer.from(JSON.stringify({ stream, ts: Date.now(), values }));
  return { topic: 'events', partition, offset: String(offset++), key: Buffer.from(stream), value, headers: {}, timestamp: Date.now() };
}

describe('BatchProcessor', () => {
  let model: StreamingModel;
  let store: StreamStore;
  let metrics: InferenceMetrics;
  let processor: BatchProcessor;

  before(async () => {
    const bundle = createBundle({ name: 'm', spec: { cell: 'lstm', layers: [4], inputWidth: 2, head: { units: 2 } }, init: { seed: 3 } });
    model = await StreamingModel.create({ bundle, engine: { kind: 'reference' }, capacity: 16 });
    store = new StreamStore(new HostStateCache(64 * 1024 * 1024, null));
    store.attach(model);
    metrics = new InferenceMetrics(new Metrics('inference'));
    processor = new BatchProcessor(store, new StepScheduler(() => model), () => model, { zThreshold: 3, warmup: 5, cooldown: 2, halfLife: 100 }, metrics, 'events', () => PARTITIONS);
  });

  after(async () => {
    await model.dispose();
  });

  const value = async (c: InferenceMetrics['dlq'], reason?: string): Promise<number> =>
    (await c.get()).values.find((v) => reason === undefined || v.labels.reason === reason)?.value ?? 0;

  it('resets a stream whose state is no longer finite instead of persisting or serving it', async () => {
    const s = 'poisoned';
    const p = partitionOfKey(s, PARTITIONS);
    const task = new PartitionTask(p);
    await processor.process(task, [record(s, [0.5, 0.25])]);
    assert.equal(task.predictions.length, 1);
    assert.ok(store.hasFiniteState(s));

    // What a double beyond float32 did before validation refused it: a NaN in the state.
    const slot = model.table.slotOf(s)!;
    model.table.buffers[0][slot * model.table.stateSizes[0]] = NaN;
    assert.equal(store.hasFiniteState(s), false);

    const resetsBefore = await value(metrics.streamResets, 'state_not_finite');
    const dlqBefore = await value(metrics.dlq, 'state_not_finite');
    await processor.process(task, [record(s, [0.5, 0.25])]);
    assert.equal(task.predictions.length, 1, 'no prediction from a non-finite state');
    const letter = task.deadLetters.at(-1)!;
    assert.equal(letter.headers?.[dlqHeaders.reason], 'state_not_finite');
    assert.equal(store.record(s), null, 'the changelog gets a tombstone, not the NaN state');
    assert.ok(task.dirty.has(s));
    assert.equal(await value(metrics.streamResets, 'state_not_finite'), resetsBefore + 1);
    assert.equal(await value(metrics.dlq, 'state_not_finite'), dlqBefore + 1);

    // The stream goes on from a fresh state.
    await processor.process(task, [record(s, [0.5, 0.25])]);
    assert.equal(task.predictions.length, 2);
    const out = (JSON.parse(String(task.predictions[1].value)) as { output: (number | null)[] }).output;
    assert.ok(out.every((x) => typeof x === 'number' && Number.isFinite(x)), JSON.stringify(out));
  });

  it('dead-letters values beyond float32 on the events topic (validation shared with ingest)', async () => {
    const s = 'huge';
    const task = new PartitionTask(partitionOfKey(s, PARTITIONS));
    await processor.process(task, [record(s, [-1.7e308, 0])]);
    assert.equal(task.predictions.length, 0);
    assert.equal(task.deadLetters[0].headers?.[dlqHeaders.reason], 'values_not_finite');
    assert.equal(model.table.has(s), false);
  });

  it('cuts a dead letter that would not fit the dead-letter topic, up front (a refusal would fail the whole commit)', async () => {
    const s = 'big';
    const task = new PartitionTask(partitionOfKey(s, PARTITIONS));
    // A record just under Kafka's default 1 MiB on `events`: invalid (one value too many), and past
    // the limit once the reason headers are added.
    const big = Buffer.from(JSON.stringify({ stream: s, ts: Date.now(), values: [1, 2, 3], pad: 'x'.repeat(1_048_000) }));
    const small = record(s, [1, 2, 3]);
    await processor.process(task, [{ ...small, value: big }, small]);
    const [cut, whole] = task.deadLetters;
    assert.equal(cut.headers?.[dlqHeaders.truncatedFrom], String(big.length));
    assert.ok(cut.value !== null && cut.value.length === DEAD_LETTER_KEPT_BYTES && big.subarray(0, DEAD_LETTER_KEPT_BYTES).equals(cut.value as Buffer));
    assert.equal(whole.headers?.[dlqHeaders.truncatedFrom], undefined, 'a small one goes as it came');
    assert.deepEqual(whole.value, small.value);
  });

  it('dead-letters an event on a partition its stream id does not hash to, and counts it', async () => {
    const s = 'misrouted-stream';
    const home = partitionOfKey(s, PARTITIONS);
    const elsewhere = (home + 1) % PARTITIONS;
    const task = new PartitionTask(elsewhere);
    const before = await value(metrics.misrouted);
    await processor.process(task, [record(s, [1, 2], elsewhere)]);
    const letter = task.deadLetters.find((d) => String(d.key) === s)!;
    assert.equal(letter.headers?.[dlqHeaders.reason], 'misrouted');
    assert.match(letter.headers?.[dlqHeaders.detail] ?? '', new RegExp(`partition ${home} of ${PARTITIONS}`));
    assert.equal(task.predictions.length, 0);
    assert.equal(await value(metrics.misrouted), before + 1);
    assert.equal(model.table.has(s), false, 'no state is created on the wrong partition');
    // The same stream on its own partition is processed.
    const homeTask = new PartitionTask(home);
    await processor.process(homeTask, [record(s, [1, 2], home)]);
    assert.equal(homeTask.predictions.length, 1);
    assert.equal(homeTask.deadLetters.length, 0);
  });
});
