import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle, encodeBundle } from '@streamcell/model';
import { checkSize, headOf, ModelTooLargeError, readVersionRecord } from './model-store';

describe('model store helpers', () => {
  it('refuses a bundle over the limit, naming its size and the limit', () => {
    assert.throws(
      () => checkSize('bundle m v3', new Uint8Array(70_000), 65_536),
      (e: unknown) => e instanceof ModelTooLargeError && /bundle m v3 is 70000 bytes, over the limit of 64512 bytes \(MODEL_MAX_BYTES 65536/.test(e.message),
    );
    assert.doesNotThrow(() => checkSize('x', new Uint8Array(64_512), 65_536));
  });

  it('takes the highest valid version as head and reports invalid records with the reason', () => {
    const spec = { cell: 'gru' as const, layers: [2], inputWidth: 1, head: { units: 1 } };
    const v1 = encodeBundle(createBundle({ name: 'm', spec, version: 1 }));
    const v3 = encodeBundle(createBundle({ name: 'm', spec, version: 3 }));
    const corrupt = Buffer.from(encodeBundle(createBundle({ name: 'm', spec, version: 4 })));
    corrupt[corrupt.length - 1] ^= 0xff;
    const records = [readVersionRecord('0', v1), readVersionRecord('1', v3), readVersionRecord('2', corrupt)];
    assert.equal(headOf(records)?.version, 3);
    assert.equal(records[2].manifest?.version, 4);
    assert.match(records[2].error ?? '', /sha256|checksum/i);
  });
});
