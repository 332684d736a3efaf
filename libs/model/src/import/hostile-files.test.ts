import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { Dataset, Group } from 'jsfive';
import { KerasImportError } from '../errors';
import { Hdf5File } from './hdf5';
import { importKerasH5, importKerasV3 } from './keras-files';
import { MAX_HDF5_DEPTH } from './limits';
import { checkZipEntryCount, declaredZipEntries, sizeCheckedFilter } from './zip';

/**
 * Model files built to make a reader loop, allocate or recurse by what they declare rather than by
 * what they hold. Each is a few bytes built here; every refusal must come before the work it
 * prevents, so that these tests stay fast (and small) even where a check is missing.
 */
const ZOO = join(__dirname, '..', '..', 'fixtures', 'zoo');
const refused = (detail: RegExp) => (e: unknown): boolean => e instanceof KerasImportError && detail.test(e.message);

/** An empty zip whose zip64 end record claims `count` entries (98 bytes). */
function zip64Claiming(count: number): Uint8Array {
  const b = Buffer.alloc(56 + 20 + 22);
  b.writeUInt32LE(0x06064b50, 0); // zip64 end record, at 0
  b.writeBigUInt64LE(44n, 4);
  b.writeBigUInt64LE(BigInt(count), 24);
  b.writeBigUInt64LE(BigInt(count), 32);
  b.writeUInt32LE(0x07064b50, 56); // its locator, pointing at 0
  b.writeUInt32LE(1, 72);
  b.writeUInt32LE(0x06054b50, 76); // end record, every field saying "see zip64"
  b.fill(0xff, 84, 96);
  b.writeUInt16LE(0, 96);
  return new Uint8Array(b);
}

/** A zip whose central directory entries declare `size` uncompressed bytes each. */
function declaring(zip: Uint8Array, size: number): Uint8Array {
  const b = Buffer.from(zip);
  for (let i = b.indexOf(Buffer.from([0x50, 0x4b, 1, 2])); i >= 0; i = b.indexOf(Buffer.from([0x50, 0x4b, 1, 2]), i + 4)) b.writeUInt32LE(size, i + 24);
  return new Uint8Array(b);
}

/** The Keras 3 zoo model, its weights file changed by `edit` before re-zipping. */
function kerasWithWeights(edit: (h5: Uint8Array) => void): Uint8Array {
  const files = unzipSync(new Uint8Array(readFileSync(join(ZOO, 'k3_simple_keras', 'model.keras'))));
  edit(files['model.weights.h5']);
  return zipSync(files);
}

/** A jsfive object (for instanceof) with the members given, standing in for one read from a file. */
const fake = <T extends object>(cls: { prototype: T }, members: object): T => Object.create(cls.prototype, Object.getOwnPropertyDescriptors(members)) as T;

describe('hostile model files', () => {
  it('refuses a zip claiming more entries than its bytes hold, before fflate loops over them', () => {
    assert.equal(declaredZipEntries(zipSync({ a: strToU8('a'), b: strToU8('b') })), 2);
    assert.equal(declaredZipEntries(zip64Claiming(7)), 7);
    assert.throws(() => checkZipEntryCount(zip64Claiming(2 ** 32 - 1)), refused(/claims 4294967295 entries, more than its 98 bytes can hold/));
    // Unchecked, fflate walks a million phantom entries (~0.1 s) and then reports no config.json.
    assert.throws(() => importKerasV3(zip64Claiming(1_000_000)), refused(/claims 1000000 entries/));
  });

  it('refuses zip entries declaring more than their compressed bytes can expand to, before fflate allocates them', () => {
    const bomb = declaring(zipSync({ 'config.json': strToU8('{}'), 'model.weights.h5': strToU8('x') }, { level: 9 }), 50_000_000);
    assert.throws(() => importKerasV3(bomb), refused(/"config.json" declares 50000000 bytes uncompressed from \d+ compressed/));
    // Honest sizes, each within its ratio, are still bounded in total.
    const filter = sizeCheckedFilter(new Set(['a', 'b']), 2e9);
    assert.equal(filter({ name: 'other', size: 1, originalSize: 2 ** 40, compression: 8 }), false);
    assert.equal(filter({ name: 'a', size: 600e6, originalSize: 600e6, compression: 0 }), true);
    assert.throws(() => filter({ name: 'b', size: 600e6, originalSize: 600e6, compression: 0 }), refused(/"b" declares 600000000 bytes.*1073741824 bytes in all/));
    // A declared compressed size larger than the file itself counts for the file's bytes only.
    const small = sizeCheckedFilter(new Set(['a']), 235);
    assert.throws(() => small({ name: 'a', size: 20e6, originalSize: 1e9, compression: 8 }), refused(/"a" declares 1000000000 bytes uncompressed/));
  });

  it('refuses an HDF5 dataset declaring more than the file can hold, before reading it', () => {
    const keras = kerasWithWeights((h5) => {
      // Rewrites the first dimension of the dense kernel's dataspace message ([8, 2] → [10⁸, 2]).
      const d = Hdf5File.open(h5, 'w').file.get('layers/dense/vars/0') as unknown as { _dataobjects: { find_msg_type(t: number): Map<string, number>[] } };
      const at = d._dataobjects.find_msg_type(1)[0].get('offset_to_message')!;
      const version = h5[at];
      Buffer.from(h5.buffer, h5.byteOffset).writeBigUInt64LE(100_000_000n, at + (version === 1 ? 8 : 4));
    });
    assert.throws(() => importKerasV3(keras), refused(/model.weights.h5 is corrupt: dataset "layers\/dense\/vars\/0" declares shape \[100000000, 2\] \(800000000 bytes\)/));
    // The budget is shared by the whole file: many datasets cannot add up past it either.
    const h5 = Hdf5File.open(new Uint8Array(readFileSync(join(ZOO, 'k3_gru_reset_before_h5', 'model.h5'))), 'f.h5');
    let reads = 0;
    const big = fake(Dataset, { shape: [2 ** 18], dtype: '<f4', get value() { return (reads++, new Float32Array(2 ** 18)); } });
    assert.throws(() => { for (let i = 0; i < 100; i++) h5.entry(big, `d${i}`); }, refused(/dataset "d\d+" declares shape \[262144\]/));
    assert.ok(reads > 0 && reads < 100);
  });

  it('says an HDF5 file is corrupt, with the cause, whatever jsfive throws', () => {
    const h5 = new Uint8Array(readFileSync(join(ZOO, 'k3_gru_reset_before_h5', 'model.h5')));
    const magicOnly = new Uint8Array(64);
    magicOnly.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    // jsfive throws strings: their `.message` read "undefined".
    assert.throws(() => importKerasH5(magicOnly), refused(/the .h5 file is not a readable HDF5 file: File uses non-64-bit addressing/));
    // Objects past the end of a truncated file: a DataView RangeError, raw until now.
    assert.throws(() => importKerasH5(h5.slice(0, 8000)), refused(/the .h5 file is corrupt: Offset is outside the bounds of the DataView/));
    // A group holding itself: the walk recursed until the stack overflowed.
    const loop: Group = fake(Group, { keys: ['loop'], get: () => loop });
    const file = Hdf5File.open(h5, 'f.h5');
    assert.throws(() => file.read(() => file.allDatasets(loop)), refused(new RegExp(`f.h5 is corrupt: groups nest deeper than ${MAX_HDF5_DEPTH} levels`)));
  });
});
