import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createBundle, StreamingModel, type WeightsBundle } from '@streamcell/model';
import { tempDir } from '@streamcell/testing';
import { StreamStore } from '../stream-store';
import { HostStateCache } from './host-cache';
import { LmdbTier } from './lmdb-tier';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Anonymous resident memory (heap, buffers; not the disk tier's file-backed pages), in bytes. */
function anonRss(): number {
  const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? process.memoryUsage().rss : Number(m[1]) * 1024;
}

/** After full collections: anonymous RSS, and the JS heap plus buffers in use. */
function settled(): { rss: number; heap: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: anonRss(), heap: m.heapUsed + m.arrayBuffers };
}

const WIDTH = 2;
const input = (ids: readonly string[], round: number): Float32Array => {
  const x = new Float32Array(ids.length * WIDTH);
  ids.forEach((id, b) => {
    const n = Number(id.slice(1));
    x[b * WIDTH] = Math.sin(n * 0.37 + round);
    x[b * WIDTH + 1] = Math.cos(n * 0.11 - round);
  });
  return x;
};

describe('StreamStore with bounded host memory', () => {
  const tier = new LmdbTier(join(tempDir('sc-bounded-'), 'db'));
  const models: StreamingModel[] = [];
  after(async () => {
    for (const m of models) await m.dispose();
    tier.close();
  });

  async function storeWith(bundle: WeightsBundle, capacity: number, host: HostStateCache): Promise<{ model: StreamingModel; store: StreamStore }> {
    const store = new StreamStore(host);
    const model = await StreamingModel.create({ bundle, engine: { kind: 'reference' }, capacity, onEvict: store.evict });
    store.attach(model);
    models.push(model);
    return { model, store };
  }

  async function step(model: StreamingModel, store: StreamStore, ids: string[], round: number, now: number): Promise<Float32Array> {
    for (const id of ids) store.ensureHot(id, now);
    return model.step(ids, input(ids, round), now);
  }

  it('holds far more streams than its memory bound, within the bound, and each resumes exactly', async (t) => {
    const bundle = createBundle({ name: 'm', spec: { cell: 'lstm', layers: [16], inputWidth: WIDTH, head: { units: WIDTH } }, init: { seed: 11 } });
    const bound = 2 * 1024 * 1024;
    const host = new HostStateCache(bound, tier);
    const { model, store } = await storeWith(bundle, 512, host);
    const batch = 512;
    const drive = async (from: number, to: number): Promise<void> => {
      for (let start = from; start < to; start += batch) {
        const ids = Array.from({ length: Math.min(batch, to - start) }, (_, i) => `s${start + i}`);
        await step(model, store, ids, 0, 1_000 + start);
      }
    };
    // Warm-up: V8 sizes its heap, the allocator its arenas and LMDB its maps (one-off growth of up
    // to ~150 MB on Node 24, ~60 MB on Node 20, with no store at all behind the cache). What keeps
    // growing after that is what streams cost.
    const phase = 150_000;
    await drive(0, phase);
    const m0 = settled();
    await drive(phase, 2 * phase);
    const m1 = settled();
    await drive(2 * phase, 3 * phase);
    const m2 = settled();
    const streams = 3 * phase;
    assert.ok(host.bytesInMemory <= bound, `host memory ${host.bytesInMemory} > bound ${bound}`);
    assert.equal(store.hotCount + store.coldCount + store.diskCount, streams, 'every stream has its state somewhere');
    // Held in memory, each phase's 150k new streams would take ≈ 55 MB (records, keys, entries).
    // Bounded, the JS heap stays flat and, once warm, the process hardly grows (measured: a few MB
    // per phase, LMDB's native bookkeeping).
    const perRecord = host.bytesInMemory / Math.max(1, host.memoryCount);
    const inMemory = phase * perRecord;
    const mb = (b: number): string => (b / 1e6).toFixed(1);
    t.diagnostic(`heap +${mb(m2.heap - m0.heap)} MB; anonymous RSS +${mb(m1.rss - m0.rss)} then +${mb(m2.rss - m1.rss)} MB per phase; a phase's records in memory would be ${mb(inMemory)} MB`);
    assert.ok(m2.heap - m0.heap < 8e6, `heap grew ${mb(m2.heap - m0.heap)} MB`);
    assert.ok(m2.rss - m1.rss < inMemory * 0.5, `anonymous RSS grew ${mb(m2.rss - m1.rss)} MB in a phase; in memory its records alone would take ${mb(inMemory)} MB`);

    // Streams that come back resume where they were: same outputs as a model that never evicted them.
    const sample = Array.from({ length: 100 }, (_, i) => `s${i * 797}`);
    const { model: ref, store: refStore } = await storeWith(bundle, 1000, new HostStateCache(bound, null));
    await step(ref, refStore, sample, 0, 1_000);
    const expected = await step(ref, refStore, sample, 1, 2_000_000);
    const actual = await step(model, store, sample, 1, 2_000_000);
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(expected[i] - actual[i]) <= 1e-6, `output ${i}: ${actual[i]} vs ${expected[i]}`);
  });
});
