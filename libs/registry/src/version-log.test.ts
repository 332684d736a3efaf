import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle, encodeBundle } from '@streamcell/model';
import { MAX_VERSION, parseKey, pinKey, versionKey } from './keys';
import { checkSize, ModelTooLargeError } from './size';
import { VersionLog, type LogRecord } from './version-log';

const spec = { cell: 'gru' as const, layers: [2], inputWidth: 1, head: { units: 1 } };
const bytesOf = (version: number, name = 'm'): Buffer => Buffer.from(encodeBundle(createBundle({ name, spec, version })));
let offset = 0;
const rec = (key: string, value: Buffer | string | null, headers: Record<string, string> = {}): LogRecord => ({
  key: Buffer.from(key),
  value: typeof value === 'string' ? Buffer.from(value) : value,
  offset: String(offset++),
  headers,
  timestamp: 0,
});

describe('registry keys', () => {
  it('tells per-version, pin, legacy and foreign keys apart', () => {
    assert.deepEqual(parseKey('m', versionKey('m', 12)), { kind: 'version', version: 12 });
    assert.deepEqual(parseKey('m', pinKey('m')), { kind: 'pin' });
    assert.deepEqual(parseKey('m', 'm'), { kind: 'legacy' });
    assert.equal(parseKey('m', 'mm/v1'), null);
    assert.equal(parseKey('m', 'm/v0'), null);
    assert.equal(parseKey('m', 'm/vx'), null);
    assert.deepEqual(parseKey('a:b@c', 'a:b@c/v3'), { kind: 'version', version: 3 });
  });
});

describe('version log', () => {
  it('keeps the highest valid version as head when a garbage record comes last', () => {
    const log = new VersionLog('m');
    log.apply(rec(versionKey('m', 1), bytesOf(1)));
    log.apply(rec(versionKey('m', 2), bytesOf(2), { 'x-streamcell-publisher': 'trainer', 'x-streamcell-host': 'h1', 'x-streamcell-publish-id': 'p-2' }));
    const truncated = bytesOf(3).subarray(0, 40);
    const applied = log.apply(rec(versionKey('m', 3), truncated));
    assert.equal(applied.kind, 'version');
    assert.equal(log.head()?.version, 2);
    assert.deepEqual(log.entry(2)?.publisher, { role: 'trainer', host: 'h1' });
    assert.equal(log.entry(2)?.publishId, 'p-2', 'a retried publish finds its own landed write by this id');
    assert.equal(log.entry(1)?.publishId, null);
    assert.match(log.entry(3)?.error ?? '', /./);
    assert.equal(log.nextVersion(), 4, 'an invalid version still holds its number');
  });

  it('does not let a record with a huge version number stop every later publication', () => {
    const log = new VersionLog('m');
    log.apply(rec(versionKey('m', 1), bytesOf(1)));
    assert.equal(log.apply(rec('m/v999999999999999', 'garbage')).kind, 'ignored', 'past MAX_VERSION: not a version key');
    assert.equal(log.apply(rec('m', bytesOf(1e300))).kind, 'unreadable', 'a legacy manifest past MAX_VERSION');
    assert.equal(log.apply(rec(versionKey('m', MAX_VERSION + 1), bytesOf(2))).kind, 'ignored');
    const next = log.nextVersion();
    assert.equal(next, 2);
    assert.equal(log.apply(rec(versionKey('m', next), bytesOf(next))).kind, 'version');
    assert.equal(log.head()?.version, 2);
  });

  it('refuses a bundle whose manifest disagrees with its key', () => {
    const log = new VersionLog('m');
    log.apply(rec(versionKey('m', 7), bytesOf(6)));
    log.apply(rec(versionKey('m', 8), bytesOf(8, 'other')));
    assert.match(log.entry(7)?.error ?? '', /says version 6, its key says 7/);
    assert.match(log.entry(8)?.error ?? '', /for model "other"/);
    assert.equal(log.head(), undefined);
  });

  it('follows a pin to an older valid version and ignores a pin to a missing one', () => {
    const log = new VersionLog('m');
    for (const v of [1, 2, 3]) log.apply(rec(versionKey('m', v), bytesOf(v)));
    log.apply(rec(pinKey('m'), JSON.stringify({ version: 1, by: 'cli@h', at: 'now' })));
    assert.equal(log.head()?.version, 1);
    log.apply(rec(pinKey('m'), JSON.stringify({ version: 9 })));
    assert.equal(log.head()?.version, 3);
    log.apply(rec(pinKey('m'), null));
    assert.equal(log.pin, null);
  });

  it('never hands out a retired number again', () => {
    const log = new VersionLog('m');
    log.apply(rec(versionKey('m', 5), bytesOf(5)));
    log.apply(rec(versionKey('m', 6), null));
    assert.equal(log.nextVersion(), 7);
    assert.equal(log.entry(6), undefined);
  });

  it('reads legacy records keyed by model name and plans their migration within retention', () => {
    const log = new VersionLog('m');
    for (const v of [1, 2, 3]) log.apply(rec('m', bytesOf(v)));
    const garbage = log.apply(rec('m', 'not a bundle'));
    assert.equal(garbage.kind, 'unreadable');
    log.apply(rec(versionKey('m', 3), bytesOf(3)));
    assert.deepEqual(
      log.entries().map((e) => [e.version, e.source]),
      [
        [1, 'legacy-key'],
        [2, 'legacy-key'],
        [3, 'version-key'],
      ],
    );
    const plan = log.plan(4, 3);
    assert.deepEqual(
      plan.copies.map((e) => e.version),
      [2],
      'v1 falls out of the newest 3 (with v4), v3 already has its key',
    );
    assert.equal(plan.retireLegacyKey, true);
    log.apply(rec('m', null));
    assert.deepEqual(
      log.entries().map((e) => e.version),
      [3],
    );
  });

  it('retires all but the newest N, the head, the pin and protected versions', () => {
    const log = new VersionLog('m');
    for (const v of [1, 2, 3, 4, 5, 6]) log.apply(rec(versionKey('m', v), v === 6 ? Buffer.from('garbage') : bytesOf(v)));
    log.apply(rec(pinKey('m'), JSON.stringify({ version: 2 })));
    assert.deepEqual(log.plan(7, 2, [4]).retire, [1, 3, 5]);
    log.apply(rec(pinKey('m'), null));
    // Unpinned: v5 is the head (v6 is garbage) and stays although only v6 and v7 are the newest 2.
    assert.deepEqual(log.plan(7, 2).retire, [1, 2, 3, 4]);
  });
});

describe('size limit', () => {
  it('refuses a bundle over the limit, naming its size and the limit', () => {
    assert.throws(
      () => checkSize('bundle m v3', new Uint8Array(70_000), 65_536),
      (e: unknown) => e instanceof ModelTooLargeError && /bundle m v3 is 70000 bytes, over the limit of 64512 bytes \(MODEL_MAX_BYTES 65536/.test(e.message),
    );
    assert.doesNotThrow(() => checkSize('x', new Uint8Array(64_512), 65_536));
  });
});
