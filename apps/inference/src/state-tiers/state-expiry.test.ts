import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createBundle, StreamingModel } from '@streamcell/model';
import { tempDir } from '@streamcell/testing';
import { PartitionTask } from '../partition-task';
import { StreamStore } from '../stream-store';
import { HostStateCache } from './host-cache';
import { LmdbTier } from './lmdb-tier';
import { expireIdleStates } from './state-expiry';

describe('state TTL', () => {
  const tier = new LmdbTier(join(tempDir('sc-ttl-'), 'db'));
  let model: StreamingModel | undefined;
  after(async () => {
    await model?.dispose();
    tier.close();
  });

  it('drops streams idle past the TTL from every tier and queues their tombstones in their partition', async () => {
    const bundle = createBundle({ name: 'm', spec: { cell: 'gru', layers: [4], inputWidth: 1, head: { units: 1 } }, init: { seed: 5 } });
    // A tiny memory bound and a 2-stream table: streams end up hot, in memory and on disk.
    const store = new StreamStore(new HostStateCache(1024 * 1024, tier));
    model = await StreamingModel.create({ bundle, engine: { kind: 'reference' }, capacity: 2, onEvict: store.evict });
    store.attach(model);
    const p0 = new PartitionTask(0);
    const p1 = new PartitionTask(1);
    p1.expectedOffset = 42n;
    const seenAt: Record<string, number> = { old0: 1_000, old1: 2_000, old2: 3_000, new0: 50_000, new1: 60_000 };
    for (const [stream, at] of Object.entries(seenAt)) {
      store.ensureHot(stream, at);
      await model.step([stream], Float32Array.of(1), at);
      (stream.endsWith('1') ? p1 : p0).streams.add(stream);
    }
    assert.ok(store.coldCount + store.diskCount >= 3, 'the old ones left the table');
    // A restored stream that was never seen here counts as seen at the restore.
    store.put('restored', store.record('old0'), 55_000);
    p0.streams.add('restored');

    const { touched, expired } = expireIdleStates(store, [p0, p1], 40_000, 10_000);
    assert.equal(expired, 3);
    assert.deepEqual([...p0.dirty].sort(), ['old0', 'old2']);
    assert.deepEqual([...p1.dirty], ['old1']);
    assert.deepEqual(new Set(touched), new Set([p0, p1]));
    for (const s of ['old0', 'old1', 'old2']) assert.equal(store.record(s), null, `${s} must be tombstoned`);
    for (const s of ['new0', 'new1', 'restored']) assert.ok(store.record(s) !== null, `${s} kept`);
    assert.equal(p0.streams.has('old0'), false);
    // Partitions with nothing else pending still commit, at the offset they are at.
    assert.equal(p1.nextOffset, '42');

    // Hot streams expire too (the TTL may be shorter than the idle timeout).
    const later = expireIdleStates(store, [p0, p1], 200_000, 10_000);
    assert.equal(later.expired, 3);
    assert.equal(store.hotCount + store.coldCount + store.diskCount, 0);
    // An expired stream that returns starts from the zero state: nothing is revived for it.
    store.ensureHot('old0', 300_000);
    assert.equal(model.table.has('old0'), false);
    assert.equal(store.record('old0'), null);
  });
});
