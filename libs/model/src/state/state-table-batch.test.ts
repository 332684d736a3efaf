import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateTable } from './state-table';

describe('StateTable batch paths', () => {
  it('acquireAll fills slots in order, touches recency and reports the first duplicate', () => {
    const t = new StateTable({ capacity: 4, stateSizes: [1] });
    const slots = new Int32Array(4);
    assert.equal(t.acquireAll(['a', 'b', 'c'], 1, slots), -1);
    assert.deepEqual([...slots.subarray(0, 3)], ['a', 'b', 'c'].map((id) => t.slotOf(id)));
    assert.equal(t.acquireAll(['a'], 2, slots), -1, 'a later batch may name the same stream again');
    assert.deepEqual([...t.streams()], ['b', 'c', 'a']);
    assert.equal(t.acquireAll(['d', 'b', 'd'], 3, slots), 2);
    assert.deepEqual([...t.streams()], ['c', 'a', 'b', 'd']);
  });

  it('does not mistake a slot freed and reused within one batch for a duplicate', () => {
    const t = new StateTable({ capacity: 2, stateSizes: [1] });
    const slots = new Int32Array(3);
    // 'c' evicts 'a' (LRU) and reuses its slot in the same call.
    assert.equal(t.acquireAll(['a', 'b', 'c'], 0, slots), -1);
    assert.deepEqual([...t.streams()], ['b', 'c']);
  });

  it('gathers and scatters through staging buffers (memmove path) exactly like plain arrays', () => {
    const t = new StateTable({ capacity: 50, stateSizes: [3, 5] });
    const slots = Int32Array.from({ length: 7 }, (_, i) => t.acquire(`s${i * 3}`, 0));
    t.buffers.forEach((b, i) => b.forEach((_, j) => (b[j] = i * 1000 + j)));
    const staged = t.staging(7, 2)!;
    const plain = [new Float32Array(21), new Float32Array(35)];
    t.gather(slots, 7, staged[0]);
    t.gather(slots, 7, plain);
    staged[0].forEach((s, i) => assert.deepEqual([...s], [...plain[i]]));
    // The second staging set is separate memory.
    staged[1].forEach((s, i) => s.set(plain[i].map((v) => -v)));
    staged[0].forEach((s, i) => assert.deepEqual([...s], [...plain[i]]));
    t.scatter(slots, 7, staged[1]);
    for (let b = 0; b < 7; b++) assert.equal(t.buffers[1][slots[b] * 5 + 4], -(1000 + slots[b] * 5 + 4));
    assert.equal(t.staging(51, 1), null, 'more rows than the table can hold are not staged');
  });
});
