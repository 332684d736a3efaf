import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  BundleChecksumError,
  BundleFormatError,
  BundleNonFiniteError,
  BundleShapeError,
  UnsupportedBundleVersionError,
} from '../errors';
import { architectureFingerprint, createBundle, sameArchitecture } from './bundle';
import { decodeBundle, encodeBundle, readBundleManifest } from './codec';

const spec = { cell: 'gru', resetAfter: true, layers: [3], inputWidth: 2, head: { units: 1 }, normalization: { mean: [1, 2], std: [3, 4] } } as const;
const bundle = createBundle({ name: 'm', spec, init: { seed: 3 }, version: 4, parentVersion: 3, metrics: { trainLoss: 0.5 } });

/** Splits an encoded bundle so tests can rewrite its manifest (and re-sign the data when wanted). */
function rewrite(bytes: Buffer, edit: (manifest: Record<string, unknown>, data: Buffer) => void, resign: boolean): Buffer {
  const len = bytes.readUInt32LE(8);
  const manifest = JSON.parse(bytes.toString('utf8', 12, 12 + len)) as Record<string, unknown>;
  const dataStart = 12 + len + ((4 - ((12 + len) % 4)) % 4);
  const data = Buffer.from(bytes.subarray(dataStart));
  edit(manifest, data);
  if (resign) manifest['sha256'] = createHash('sha256').update(data).digest('hex');
  const json = Buffer.from(JSON.stringify(manifest));
  const header = Buffer.from(bytes.subarray(0, 12));
  header.writeUInt32LE(json.length, 8);
  const pad = Buffer.alloc((4 - ((12 + json.length) % 4)) % 4);
  return Buffer.concat([header, json, pad, data]);
}

describe('bundle codec', () => {
  it('round-trips every field bit for bit', () => {
    const decoded = decodeBundle(encodeBundle(bundle));
    assert.equal(decoded.name, 'm');
    assert.equal(decoded.version, 4);
    assert.equal(decoded.parentVersion, 3);
    assert.deepEqual(decoded.metrics, { trainLoss: 0.5 });
    assert.deepEqual(decoded.spec, bundle.spec);
    assert.equal(decoded.createdAt, bundle.createdAt);
    for (const [k, v] of bundle.tensors) assert.deepEqual(decoded.tensors.get(k), v);
    const manifest = readBundleManifest(encodeBundle(bundle));
    assert.deepEqual(manifest.normalization, { mean: [1, 2], std: [3, 4] });
    assert.match(manifest.sha256, /^[0-9a-f]{64}$/);
  });

  it('refuses bad magic and truncation with BundleFormatError', () => {
    const bytes = encodeBundle(bundle);
    const bad = Buffer.from(bytes);
    bad.write('XXXX', 0, 'latin1');
    assert.throws(() => decodeBundle(bad), BundleFormatError);
    assert.throws(() => decodeBundle(bytes.subarray(0, bytes.length - 4)), BundleFormatError);
    assert.throws(() => decodeBundle(bytes.subarray(0, 30)), BundleFormatError);
  });

  it('refuses an unknown format version', () => {
    const bytes = Buffer.from(encodeBundle(bundle));
    bytes.writeUInt32LE(2, 4);
    assert.throws(() => decodeBundle(bytes), UnsupportedBundleVersionError);
  });

  it('refuses flipped data bits with BundleChecksumError', () => {
    const bytes = Buffer.from(encodeBundle(bundle));
    bytes[bytes.length - 1] ^= 0x01;
    assert.throws(() => decodeBundle(bytes), BundleChecksumError);
  });

  it('refuses a tensor shape the spec does not imply', () => {
    const bytes = rewrite(encodeBundle(bundle), (m) => {
      const tensors = m['tensors'] as { name: string; shape: number[] }[];
      tensors[0].shape = [1, 18]; // same element count as [2, 9], wrong shape
    }, true);
    assert.throws(() => decodeBundle(bytes), BundleShapeError);
    const missing = rewrite(encodeBundle(bundle), (m) => {
      m['tensors'] = (m['tensors'] as { name: string }[]).filter((t) => t.name !== 'head/bias');
    }, true);
    assert.throws(() => decodeBundle(missing), /missing tensor "head\/bias"/);
  });

  it('refuses NaN and Infinity with BundleNonFiniteError even when the checksum matches', () => {
    for (const bad of [NaN, Infinity]) {
      const bytes = rewrite(encodeBundle(bundle), (_m, data) => data.writeFloatLE(bad, 8), true);
      assert.throws(() => decodeBundle(bytes), BundleNonFiniteError);
    }
    assert.throws(() => createBundle({ name: 'x', spec, tensors: new Map([...bundle.tensors].map(([k, v]) => [k, k === 'head/bias' ? Float32Array.of(NaN) : v])) }), BundleNonFiniteError);
  });

  it('refuses tensors whose bytes overlap, before copying any', () => {
    // Every tensor at offset 0: each name and shape is what the spec implies, so this decoded.
    const stacked = rewrite(encodeBundle(bundle), (m) => {
      for (const t of m['tensors'] as { offset: number }[]) t.offset = 0;
    }, true);
    assert.throws(() => decodeBundle(stacked), (e: unknown) => e instanceof BundleFormatError && /tensors ".*" \[0, \d+\) and ".*" \[0, \d+\) overlap in the data section/.test(e.message));
    // 500 extra entries over the whole data section: copied 500 times before the spec check refused them.
    const repeated = rewrite(encodeBundle(bundle), (m, data) => {
      const extra = Array.from({ length: 500 }, (_, i) => ({ name: `t${i}`, shape: [data.length / 4], offset: 0 }));
      m['tensors'] = [...(m['tensors'] as unknown[]), ...extra];
    }, true);
    assert.throws(() => decodeBundle(repeated), (e: unknown) => e instanceof BundleFormatError && /overlap in the data section/.test(e.message));
  });

  it('compares architectures', () => {
    const other = createBundle({ name: 'm', spec: { ...spec, normalization: undefined }, init: { seed: 9 } });
    assert.equal(sameArchitecture(bundle.spec, other.spec), true);
    const wider = createBundle({ name: 'm', spec: { ...spec, layers: [4] } });
    assert.equal(sameArchitecture(bundle.spec, wider.spec), false);
    const before = createBundle({ name: 'm', spec: { ...spec, resetAfter: false } });
    assert.equal(sameArchitecture(bundle.spec, before.spec), false);
    // The fingerprint written into state snapshots follows the same comparison.
    assert.equal(architectureFingerprint(bundle.spec), architectureFingerprint(other.spec));
    for (const b of [wider, before]) assert.notEqual(architectureFingerprint(bundle.spec), architectureFingerprint(b.spec));
    // Same state size, other network: an LSTM of 4 units and a GRU of 8 each hold 8 floats.
    const lstm = createBundle({ name: 'm', spec: { cell: 'lstm', layers: [4], inputWidth: 1, head: { units: 1 } } });
    const gru = createBundle({ name: 'm', spec: { cell: 'gru', layers: [8], inputWidth: 1, head: { units: 1 } } });
    assert.notEqual(architectureFingerprint(lstm.spec), architectureFingerprint(gru.spec));
  });
});
