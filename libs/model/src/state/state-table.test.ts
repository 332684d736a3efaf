import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateTableError } from '../errors';
import { type EvictionEvent, StateTable } from './state-table';

function table(capacity: number, idleTimeoutMs?: number): { t: StateTable; evicted: EvictionEvent[] } {
  const evicted: EvictionEvent[] = [];
  const t = new StateTable({ capacity, stateSizes: [2, 3], idleTimeoutMs, onEvict: (e) => evicted.push(e) });
  return { t, evicted };
}

describe('StateTable', () => {
  it('evicts the least recently used stream when full, with its state', () => {
    const { t, evicted } = table(2);
    const a = t.acquire('a', 1);
    t.buffers[0][a * 2] = 7;
    t.acquire('b', 2);
    t.acquire('a', 3); // a is now most recent
    t.acquire('c', 4); // evicts b
    assert.deepEqual(evicted.map((e) => [e.streamId, e.reason]), [['b', 'lru']]);
    assert.deepEqual([...t.streams()], ['a', 'c']);
    assert.equal(t.buffers[0][t.slotOf('a')! * 2], 7);
    // A reused slot starts from zero state.
    assert.equal(t.buffers[0][t.slotOf('c')! * 2], 0);
  });

  it('evicts idle streams only', () => {
    const { t, evicted } = table(4, 100);
    t.acquire('a', 0);
    t.acquire('b', 50);
    t.acquire('c', 120);
    assert.equal(t.evictIdle(160), 2);
    assert.deepEqual(evicted.map((e) => [e.streamId, e.reason]), [['a', 'idle'], ['b', 'idle']]);
    assert.deepEqual([...t.streams()], ['c']);
  });

  it('snapshots and restores one stream, and rejects a snapshot of another architecture', () => {
    const { t } = table(3);
    const s = t.acquire('a', 0);
    t.buffers[0].set([1, 2], s * 2);
    t.buffers[1].set([3, 4, 5], s * 3);
    const bytes = t.snapshot('a')!;
    const { t: other } = table(3);
    other.acquire('x', 0);
    other.restore('a', bytes, 1);
    const r = other.slotOf('a')!;
    assert.deepEqual([...other.buffers[0].subarray(r * 2, r * 2 + 2)], [1, 2]);
    assert.deepEqual([...other.buffers[1].subarray(r * 3, r * 3 + 3)], [3, 4, 5]);
    assert.equal(t.snapshot('nope'), undefined);
    const small = new StateTable({ capacity: 1, stateSizes: [2] });
    assert.throws(() => small.restore('a', bytes, 0), StateTableError);
  });

  it('resets and removes single streams', () => {
    const { t, evicted } = table(2);
    const s = t.acquire('a', 0);
    t.buffers[1].fill(9, s * 3, s * 3 + 3);
    assert.equal(t.reset('a'), true);
    assert.deepEqual([...t.buffers[1].subarray(s * 3, s * 3 + 3)], [0, 0, 0]);
    assert.equal(t.remove('a'), true);
    assert.equal(t.remove('a'), false);
    assert.deepEqual(evicted.map((e) => e.reason), ['removed']);
    assert.equal(t.size, 0);
  });

  it('gathers and scatters by slot', () => {
    const { t } = table(3);
    const slots = Int32Array.of(t.acquire('a', 0), t.acquire('b', 0));
    t.buffers[0].set([1, 2], slots[1] * 2);
    const out = [new Float32Array(4), new Float32Array(6)];
    t.gather(Int32Array.of(slots[1], slots[0]), 2, out);
    assert.deepEqual([...out[0]], [1, 2, 0, 0]);
    out[0].set([5, 6, 7, 8]);
    t.scatter(Int32Array.of(slots[1], slots[0]), 2, out);
    assert.deepEqual([...t.buffers[0].subarray(slots[0] * 2, slots[0] * 2 + 2)], [7, 8]);
  });

  it('refuses a snapshot of another architecture with the same state size, and still reads one written before fingerprints', () => {
    const a = new StateTable({ capacity: 2, stateSizes: [8], fingerprint: 11 });
    a.acquire('s', 0);
    a.buffers[0].set([1, 2, 3, 4, 5, 6, 7, 8]);
    const bytes = a.snapshot('s')!;
    const same = new StateTable({ capacity: 2, stateSizes: [8], fingerprint: 11 });
    same.restore('s', bytes, 1);
    assert.deepEqual([...same.buffers[0].subarray(0, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
    const other = new StateTable({ capacity: 2, stateSizes: [8], fingerprint: 12 });
    assert.throws(() => other.restore('s', bytes, 1), (e: unknown) => e instanceof StateTableError && /another model architecture/.test(e.message));
    assert.equal(other.size, 0, 'nothing restored');
    // A record of the previous release: magic SCST, float count, floats (no fingerprint).
    const legacy = new Uint8Array(8 + 32);
    const view = new DataView(legacy.buffer);
    view.setUint32(0, 0x54534353, true);
    view.setUint32(4, 8, true);
    for (let i = 0; i < 8; i++) view.setFloat32(8 + 4 * i, i + 1, true);
    other.restore('old', legacy, 1);
    assert.deepEqual([...other.buffers[0].subarray(0, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
