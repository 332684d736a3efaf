import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { KafkaError, ProducerFencedError } from '@streamcell/kafka';
import { createBundle, type WeightsBundle } from '@streamcell/model';
import { CoreDriver, driverTopics } from './testing/core-driver';
import type { BatchProcessor } from './batch-processor';
import { FakeLog } from './testing/fake-log';

const spec = { cell: 'lstm' as const, layers: [6], inputWidth: 2, head: { units: 2 } };
const bundle = (seed: number, version = 1): WeightsBundle => createBundle({ name: 'm', spec, init: { seed }, version });
const streams = Array.from({ length: 12 }, (_, i) => `s${i}`);

/** Round `r` of the workload: one event per stream, deterministic values. */
const round = (r: number): { stream: string; values: number[] }[] => streams.map((s, i) => ({ stream: s, values: [Math.sin(0.3 * r + i), Math.cos(0.2 * r - i)] }));

/** What exactly-once promises: each event's prediction once, with the same values as an undisturbed run. */
function predictions(d: CoreDriver): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { value } of d.output(driverTopics.predictions)) {
    const p = value as { stream: string; partition: number; offset: string; output: number[] };
    const id = `${p.partition}@${p.offset}`;
    assert.ok(!out.has(id), `prediction for ${id} committed twice`);
    out.set(id, p.output);
  }
  return out;
}

async function run(d: CoreDriver, rounds: readonly number[]): Promise<void> {
  for (const r of rounds) {
    d.send(round(r));
    await d.poll();
    await d.advance(100);
  }
}

const drivers: CoreDriver[] = [];
async function start(o: Partial<Parameters<typeof CoreDriver.start>[0]> = {}): Promise<CoreDriver> {
  const d = await CoreDriver.start({ bundle: bundle(7), ...o });
  drivers.push(d);
  return d;
}
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.host.dispose();
});

/** The reference: the same rounds through one driver with nothing going wrong. */
async function undisturbed(rounds: number): Promise<Map<string, number[]>> {
  const d = await start();
  await run(d, Array.from({ length: rounds }, (_, r) => r));
  return predictions(d);
}

describe('inference core (broker-free driver)', () => {
  it('commits outputs, changed states and the offset together, and nothing before the interval', async () => {
    const d = await start();
    d.send(round(0));
    await d.poll();
    assert.equal(d.output(driverTopics.predictions).length, 0, 'nothing visible before the commit');
    await d.advance(100);
    assert.equal(d.output(driverTopics.predictions).length, streams.length);
    assert.equal(new Set(d.log.records(driverTopics.state).map((m) => m.key?.toString())).size, streams.length, 'one state record per stepped stream');
    const offsets = [...d.log.groupOffsets.values()].reduce((n, o) => n + Number(o), 0);
    assert.equal(offsets, streams.length, 'offsets cover exactly what was processed');
  });

  it('keeps one transaction per partition on the wire and sends what was processed meanwhile as one more', async () => {
    const d = await start();
    await run(d, [0]);
    const p = d.set.tasks()[0].partition;
    const release = d.log.hold(p);
    const before = d.log.commits.filter((c) => c.partition === p).length;
    for (const r of [1, 2, 3]) {
      d.send(round(r));
      await d.poll();
      d.now += 100;
      void d.set.commitAll('interval');
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(d.log.commits.filter((c) => c.partition === p).length, before, 'held: nothing written yet');
    release();
    await d.advance(0);
    await d.settle();
    const after = d.log.commits.filter((c) => c.partition === p);
    assert.equal(after.length - before, 2, 'the held transaction, then everything processed meanwhile as one');
    assert.equal(after.at(-1)!.nextOffset, String(d.log.records(driverTopics.events, p).length));
    assert.deepEqual(predictions(d), await undisturbed(4));
  });

  it('fenced mid-transaction: drops its work, re-initialises from the last commit, and commits each event once', async () => {
    const d = await start();
    await run(d, [0, 1]);
    d.send(round(2));
    await d.poll();
    for (const p of [0, 1, 2, 3]) d.log.fence(p); // another owner took the transactional ids
    await d.advance(100);
    assert.ok(d.logLines.some((l) => l.msg === 'producer fenced; dropping partition work'));
    // The partition's next batch re-initialises it (new epoch, restore, rewind) and re-reads round 2.
    await run(d, [3]);
    await run(d, [4]);
    assert.deepEqual(predictions(d), await undisturbed(5));
  });

  it('fenced with no new owner (a timed-out transaction), on a partition that then goes quiet: re-initialises by itself and commits what it had', async () => {
    const d = await start();
    await run(d, [0]);
    d.send(round(1));
    await d.poll(); // processed, not committed yet
    for (const p of [0, 1, 2, 3]) d.log.failNextWrites(p, new ProducerFencedError(`fake.${p}`));
    await d.advance(100);
    // No new event: the runner itself must take the partition back (restore, rewind, re-read).
    for (let i = 0; i < 20 && predictions(d).size < 2 * streams.length; i++) {
      await d.advance(100);
      await new Promise((r) => setTimeout(r, 5));
      await d.poll();
    }
    assert.deepEqual(predictions(d), await undisturbed(2));
  });

  it('retries a failed transaction, and re-initialises after repeated failures, with no duplicate and no loss', async () => {
    const d = await start();
    await run(d, [0]);
    const p = d.set.tasks()[0].partition;
    const q = d.set.tasks()[1].partition;
    d.log.failNextWrites(p, new KafkaError('request timed out', true)); // once: retried
    d.log.failNextWrites(q, ...[1, 2, 3].map(() => new KafkaError('broker gone', true))); // three times: re-initialised
    await run(d, [1]);
    await run(d, [2, 3]);
    const failures = new Map((await d.metrics.transactionFailures.get()).values.map((v) => [String(v.labels.outcome), v.value]));
    assert.equal(failures.get('retried'), 3);
    assert.equal(failures.get('reinitialised'), 1);
    assert.deepEqual(predictions(d), await undisturbed(4));
  });

  it('after a crash, a new owner restores every stream from the changelog and continues exactly', async () => {
    const d = await start();
    await run(d, [0, 1, 2]);
    d.send(round(3));
    await d.poll(); // processed, never committed: lost with the process
    const next = await d.crash();
    drivers.push(next);
    assert.equal(next.set.tasks().reduce((n, t) => n + t.streams.size, 0), streams.length, 'streams restored');
    await run(next, [4]);
    assert.deepEqual(predictions(next), await undisturbed(5));
    // The crashed worker's uncommitted round is fenced if it ever tries to commit.
    await d.advance(100);
    assert.deepEqual(predictions(next), await undisturbed(5));
  });

  it('swaps weights during a wave: later predictions carry the new version, states kept', async () => {
    const d = await start();
    await run(d, [0]);
    d.send(round(1));
    const polled = d.poll();
    await d.host.apply(bundle(8, 2));
    await polled;
    await run(d, [2]);
    const versions = d.output(driverTopics.predictions).map(({ value }) => (value as { model: { version: number } }).model.version);
    assert.equal(versions.at(-1), 2);
    assert.deepEqual(versions.slice(0, streams.length), Array(streams.length).fill(1));
    assert.equal(d.store.hotCount + d.store.coldCount, streams.length, 'swap of the same architecture keeps the states');
  });

  it('evicts beyond the engine capacity and revives from the host tier with identical outputs', async () => {
    // Half of the streams at a time: each round's steps fit the table, the other half is evicted.
    const half = (r: number) => round(r).filter((_, i) => i % 2 === r % 2);
    const sendRounds = async (d: CoreDriver): Promise<void> => {
      for (let r = 0; r < 6; r++) {
        d.send(half(r));
        await d.poll();
        await d.advance(100);
      }
    };
    const small = await start({ capacity: streams.length / 2 });
    await sendRounds(small);
    const evictions = (await small.metrics.evictions.get()).values.reduce((n, v) => n + v.value, 0);
    assert.ok(evictions >= streams.length * 2, `streams were evicted (${evictions})`);
    const roomy = await start();
    await sendRounds(roomy);
    assert.deepEqual(predictions(small), predictions(roomy));
  });

  it('at-least-once commits after every batch without a timer', async () => {
    const d = await start({ exactlyOnce: false, log: new FakeLog(4) });
    d.send(round(0));
    await d.poll();
    assert.equal(d.output(driverTopics.predictions).length, streams.length);
  });

  it('dead-letters a malformed event with its bytes and keeps going', async () => {
    const d = await start();
    d.sendRaw('s1', '{"stream":"s1","ts":1,"values":[1e39,0]}');
    d.send(round(0));
    await d.poll();
    await d.advance(100);
    const dlq = d.log.records(driverTopics.dlq);
    assert.equal(dlq.length, 1);
    assert.equal(dlq[0].value?.toString(), '{"stream":"s1","ts":1,"values":[1e39,0]}');
    assert.equal(d.output(driverTopics.predictions).length, streams.length);
  });

  it('revoked while a step is in flight and assigned back: the partition restores clean and predicts as if undisturbed', async () => {
    const expected = await undisturbed(2);
    const d = await start();
    d.send(round(0));
    const p = d.set.tasks()[0].partition;
    void d.set.offer(d.log.records(driverTopics.events, p)); // its step is now in flight
    d.assign([0, 1, 2, 3].filter((x) => x !== p));
    d.assign([0, 1, 2, 3]);
    await run(d, [1]);
    await d.poll();
    await d.advance(100);
    assert.deepEqual(predictions(d), expected);
  });

  it('bounds what waits for a slow transaction by records, dead letters included', async () => {
    const d = await start({ partitions: 1, log: new FakeLog(1) });
    d.send([{ stream: 's0', values: [1, 2] }]);
    await d.poll();
    const release = d.log.hold(0);
    d.now += 100;
    void d.set.commitAll('interval'); // on the wire, held
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 25_000; i++) d.sendRaw(`x${i}`, 'not json', 0); // a producer writing garbage
    const events = d.log.records(driverTopics.events, 0);
    for (let from = 1; from < events.length; from += 5_000) await d.set.offer(events.slice(from, from + 5_000));
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const pending = d.set.tasks()[0].pendingRecords;
    assert.ok(pending >= 10_000 && pending <= 15_000, `${pending} records wait for the transaction`);
    release();
    await d.advance(100);
    await d.advance(100);
    assert.equal(d.log.records(driverTopics.dlq).length, 25_000, 'every dead letter, once');
  });

  it('re-initialises a partition whose processing failed without waiting for a fetch that backpressure holds', async () => {
    const d = await start({ partitions: 1, log: new FakeLog(1) });
    // The engine fails mid-batch while a lagging batch holds the fetch loop in offer().
    const ctx = (d.set as unknown as { ctx: { processor: () => BatchProcessor } }).ctx;
    const processor = ctx.processor;
    let fail: (e: Error) => void = () => undefined;
    ctx.processor = () => ({ process: () => new Promise<void>((_, reject) => (fail = reject)) }) as unknown as BatchProcessor;
    d.sendRaw('a', 'not json', 0);
    await d.set.offer(d.log.records(driverTopics.events, 0));
    ctx.processor = processor;
    for (let i = 0; i < 20_001; i++) d.sendRaw(`x${i}`, 'not json', 0);
    let offered = false;
    const held = d.set.offer(d.log.records(driverTopics.events, 0).slice(1)).then(() => (offered = true));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(offered, false, 'backpressure holds the fetch loop');
    fail(new Error('engine failed'));
    await held;
    assert.equal(d.set.tasks()[0].status, 'ready', 're-initialised from the last commit');
  });

  it('keeps the states of streams whose partitions step together through a full state table', async () => {
    const reference = await start({ partitions: 2 });
    await run(reference, [0, 1, 2]);
    // 12 streams on 2 partitions, 8 slots: each poll's two waves (6 streams each) are merged into
    // steps of at most 8; reviving one wave's streams must not evict the other's before its step.
    const d = await start({ partitions: 2, capacity: 8 });
    await run(d, [0, 1, 2]);
    assert.deepEqual(predictions(d), predictions(reference));
  });
});
