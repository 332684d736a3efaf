import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCheckpoint } from './local-checkpoint';

describe('LocalCheckpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-cp-'));
  const open: LocalCheckpoint[] = [];
  const checkpoint = (identity = 'group|inference.state'): LocalCheckpoint => {
    const c = new LocalCheckpoint(dir, identity);
    open.push(c);
    return c;
  };
  after(async () => {
    for (const c of open) await c.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rec = (n: number): Uint8Array => Uint8Array.of(n, n + 1, n + 2);

  it('survives a reopen and gives back exactly what was written, per partition', async () => {
    const a = checkpoint();
    a.write(0, 120n, [['s1', rec(1)], ['s2', rec(2)]], 1_000);
    a.write(1, 7n, [['s3', rec(3)]], 1_000);
    a.write(0, 150n, [['s1', rec(9)]], 2_000); // replaces partition 0 entirely
    await a.close();
    open.length = 0;
    const b = checkpoint();
    assert.deepEqual(b.partitions().sort(), [0, 1]);
    assert.deepEqual(b.usable(0, 0n, 200n, 60_000, 3_000), { offset: 150n, writtenAt: 2_000, streams: 1 });
    const seen: [string, number[]][] = [];
    b.forEach(0, (s, bytes) => seen.push([s, [...bytes]]));
    assert.deepEqual(seen, [['s1', [9, 10, 11]]]);
    const p1: string[] = [];
    b.forEach(1, (s) => p1.push(s));
    assert.deepEqual(p1, ['s3']);
  });

  it('is refused when stale, from another identity, or when the changelog no longer holds its offset', () => {
    const c = checkpoint();
    c.write(2, 100n, [['x', rec(0)]], 10_000);
    assert.ok(c.usable(2, 0n, 100n, 5_000, 14_000) !== undefined, 'the changelog may not have grown');
    assert.equal(c.usable(2, 0n, 500n, 5_000, 16_000), undefined, 'older than the max age');
    assert.equal(c.usable(2, 101n, 500n, 5_000, 11_000), undefined, 'log start past the offset');
    assert.equal(c.usable(2, 0n, 99n, 5_000, 11_000), undefined, 'log end before the offset (topic recreated)');
    assert.equal(checkpoint('other|inference.state').usable(2, 0n, 500n, 5_000, 11_000), undefined, 'another group');
  });

  it('packs many streams per value and reads every one back, in any key alphabet', () => {
    const c = checkpoint();
    const entries = Array.from({ length: 10_000 }, (_, i) => [`dev-${i}-é✓`, Uint8Array.from({ length: i % 50 }, (_, j) => (i + j) % 256)] as const);
    assert.equal(c.write(4, 77n, entries), 10_000);
    const back = new Map<string, number[]>();
    c.forEach(4, (s, bytes) => back.set(s, [...bytes]));
    assert.equal(back.size, 10_000);
    for (const [s, r] of entries) assert.deepEqual(back.get(s), [...r], s);
    c.write(4, 78n, entries.slice(0, 3)); // a smaller rewrite leaves no stale chunk behind
    let n = 0;
    c.forEach(4, () => (n += 1));
    assert.equal(n, 3);
  });

  it('is gone once discarded', () => {
    const c = checkpoint();
    c.write(3, 5n, [['y', rec(0)]]);
    c.discard(3);
    assert.equal(c.usable(3, 0n, 10n, 60_000), undefined);
    let n = 0;
    c.forEach(3, () => (n += 1));
    assert.equal(n, 0);
  });
});
