import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { createBundle, StreamingModel } from '@streamcell/model';
import { HostStateCache, type HostRecord, type SpillTier } from './state-tiers/host-cache';
import { StreamStore } from './stream-store';

/** A spill tier on a disk that fills up: writes fail once `full` is set. */
class FillingDisk implements SpillTier {
  full = false;
  private readonly records = new Map<string, HostRecord>();
  get(stream: string): HostRecord | undefined {
    return this.records.get(stream);
  }
  putMany(entries: readonly (readonly [string, HostRecord])[]): void {
    if (this.full) throw new Error('ENOSPC: no space left on device');
    for (const [k, v] of entries) this.records.set(k, v);
  }
  deleteMany(streams: Iterable<string>): void {
    for (const s of streams) this.records.delete(s);
  }
  seenBefore(): string[] {
    return [];
  }
  get count(): number {
    return this.records.size;
  }
  clear(): void {
    this.records.clear();
  }
  close(): void {}
}

const models: StreamingModel[] = [];
after(async () => {
  for (const m of models) await m.dispose();
});

it("keeps a stream's record when reviving it fails for another stream's sake (its eviction could not spill)", async () => {
  const disk = new FillingDisk();
  const host = new HostStateCache(4096, disk);
  const store = new StreamStore(host);
  const bundle = createBundle({ name: 'm', spec: { cell: 'lstm', layers: [4], inputWidth: 1, head: { units: 1 } }, init: { seed: 1 } });
  const model = await StreamingModel.create({ bundle, engine: { kind: 'reference' }, capacity: 2, onEvict: store.evict });
  models.push(model);
  store.attach(model);
  let now = 1000;
  const step = async (stream: string): Promise<void> => {
    store.ensureHot(stream, now);
    await model.step([stream], Float32Array.of(0.7), now++);
  };
  for (const s of ['a', 'a', 'b', 'c']) await step(s); // a leaves the table for host memory
  for (let i = 0; i < 40; i++) await step(`f${i}`); // host memory past its bound: the oldest spill
  // Up to the bound, so that the next stream evicted into host memory makes it spill.
  let size = 0;
  for (let i = 0; host.bytesInMemory + size <= 4096 && i < 100; i++) {
    const was = host.bytesInMemory;
    await step(`g${i}`);
    size = Math.max(size, host.bytesInMemory - was);
  }
  const before = store.record('a');
  assert.ok(before !== null && host.get('a') !== undefined && !model.table.has('a'));
  disk.full = true;
  // Reviving a evicts the table's least recent stream into host memory, which must spill: ENOSPC.
  assert.throws(() => store.ensureHot('a', now), /ENOSPC/);
  assert.deepEqual(store.record('a'), before, "a's state is still there for the next try");
});
