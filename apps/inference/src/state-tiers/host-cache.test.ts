import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '@streamcell/testing';
import { HostStateCache, type HostRecord } from './host-cache';
import { LmdbTier } from './lmdb-tier';

const rec = (n: number, lastSeen = n): HostRecord => ({ bytes: Uint8Array.from({ length: 200 }, (_, i) => (n + i) % 256), lastSeen });

describe('HostStateCache', () => {
  const tiers: LmdbTier[] = [];
  const disk = (): LmdbTier => {
    const t = new LmdbTier(join(tempDir('sc-tier-'), 'db'));
    tiers.push(t);
    return t;
  };
  after(() => {
    for (const t of tiers) t.close();
  });

  it('keeps memory under its bound by spilling the oldest records to disk, and reads every one back', () => {
    const bound = 64 * 1024;
    const cache = new HostStateCache(bound, disk());
    for (let i = 0; i < 5000; i++) cache.put(`s${i}`, rec(i));
    assert.ok(cache.bytesInMemory <= bound, `${cache.bytesInMemory} bytes in memory`);
    assert.ok(cache.memoryCount > 0 && cache.diskCount > 4000, `${cache.memoryCount} in memory, ${cache.diskCount} on disk`);
    assert.equal(cache.memoryCount + cache.diskCount, 5000);
    for (let i = 0; i < 5000; i += 7) {
      const r = cache.get(`s${i}`);
      assert.ok(r !== undefined, `s${i} lost`);
      assert.deepEqual([...r.bytes], [...rec(i).bytes]);
      assert.equal(r.lastSeen, i);
    }
    // The oldest went to disk first.
    assert.equal(cache.get('s0')?.lastSeen, 0);
  });

  it('a newer copy in memory shadows an older one on disk; delete removes both', () => {
    const cache = new HostStateCache(16 * 1024, disk());
    for (let i = 0; i < 200; i++) cache.put(`s${i}`, rec(i));
    assert.ok(cache.diskCount > 0);
    cache.put('s0', rec(999, 5000)); // s0 was spilled; now also in memory, newer
    assert.equal(cache.get('s0')?.lastSeen, 5000);
    cache.delete('s0');
    assert.equal(cache.get('s0'), undefined);
    cache.deleteMany(['s1', 's2', 'nope']);
    assert.equal(cache.get('s1'), undefined);
    assert.equal(cache.get('s2'), undefined);
    assert.ok(cache.get('s3') !== undefined);
  });

  it('takes streams last seen before a cutoff from both tiers, but not a shadowed disk copy', () => {
    const cache = new HostStateCache(16 * 1024, disk());
    for (let i = 0; i < 300; i++) cache.put(`s${i}`, rec(i, i < 100 ? 1_000 : 9_000));
    cache.put('s5', rec(5, 9_500)); // seen again (newer copy in memory, old one on disk)
    const before = cache.memoryCount + cache.diskCount;
    const taken = cache.takeSeenBefore(5_000, 10_000);
    assert.equal(taken.length, 99, 's0..s99 but s5');
    assert.ok(!taken.includes('s5'));
    assert.equal(cache.get('s5')?.lastSeen, 9_500);
    for (const s of taken) assert.equal(cache.get(s), undefined);
    assert.ok(cache.get('s150') !== undefined);
    assert.equal(cache.memoryCount + cache.diskCount, before - 100, 'the 99 and the stale disk copy of s5');
    assert.deepEqual(cache.takeSeenBefore(5_000, 10_000), []);
  });

  it('takes at most `limit` per call', () => {
    const cache = new HostStateCache(8 * 1024, disk());
    for (let i = 0; i < 100; i++) cache.put(`s${i}`, rec(i, 1));
    assert.equal(cache.takeSeenBefore(2, 30).length, 30);
    assert.equal(cache.takeSeenBefore(2, 1000).length, 70);
  });

  it('memory only (no disk tier) holds everything', () => {
    const cache = new HostStateCache(1024 * 1024, null);
    for (let i = 0; i < 100; i++) cache.put(`s${i}`, rec(i));
    assert.equal(cache.memoryCount, 100);
    assert.equal(cache.diskCount, 0);
    assert.deepEqual(cache.takeSeenBefore(10, 100).sort(), Array.from({ length: 10 }, (_, i) => `s${i}`).sort());
  });
});

describe('LmdbTier without the TTL index', () => {
  it('stores the record bytes alone and reads them back', () => {
    const tier = new LmdbTier(join(tempDir('sc-tier-'), 'db'), false);
    try {
      const cache = new HostStateCache(8 * 1024, tier);
      for (let i = 0; i < 200; i++) cache.put(`s${i}`, rec(i));
      assert.ok(cache.diskCount > 100);
      assert.deepEqual([...cache.get('s0')!.bytes], [...rec(0).bytes]);
      cache.delete('s0');
      assert.equal(cache.get('s0'), undefined);
    } finally {
      tier.close();
    }
  });
});

describe('LmdbTier keys', () => {
  it('spills, reads, expires and deletes streams whose ids are past LMDB\'s 1978-byte key limit', () => {
    for (const indexed of [true, false]) {
      const tier = new LmdbTier(join(tempDir('sc-tier-'), 'db'), indexed);
      try {
        const long = 'L'.repeat(4096);
        const wide = '計'.repeat(1000); // 3000 bytes of UTF-8
        const near = 'n'.repeat(1024);
        tier.putMany([[long, rec(1, 10)], [wide, rec(2, 20)], [near, rec(3, 30)], ['short', rec(4, 40)]]);
        assert.equal(tier.count, 4);
        assert.deepEqual(tier.get(long)?.bytes, rec(1).bytes);
        assert.deepEqual(tier.get(wide)?.bytes, rec(2).bytes);
        assert.equal(tier.get('L'.repeat(4095)), undefined, 'a hashed key is not shared with another id');
        if (indexed) assert.deepEqual(tier.seenBefore(35, 10), [long, wide, near], 'the TTL sweep gets the ids back');
        tier.deleteMany([long, wide]);
        assert.equal(tier.get(long), undefined);
        assert.equal(tier.count, 2);
        if (indexed) assert.deepEqual(tier.seenBefore(35, 10), [near]);
      } finally {
        tier.close();
      }
    }
  });
});
