import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { partitionOfKey } from './partition-of';

describe('partitionOfKey', () => {
  it("matches the Java client's murmur2 (Kafka's own UtilsTest vectors)", () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2: murmur2(bytes) for these inputs.
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const partitions of [1, 7, 12, 1000]) {
      for (const [key, hash] of vectors) {
        // Utils.toPositive(murmur2(key)) % numPartitions, as the Java DefaultPartitioner.
        assert.equal(partitionOfKey(key, partitions), (hash & 0x7fffffff) % partitions, `${key} over ${partitions}`);
      }
    }
  });

  it('hashes a string as its UTF-8 bytes and is deterministic', () => {
    assert.equal(partitionOfKey('pümpe-17', 12), partitionOfKey(Buffer.from('pümpe-17', 'utf8'), 12));
    assert.equal(partitionOfKey('s', 12), partitionOfKey('s', 12));
  });

  it('refuses a partition count that is not a positive integer', () => {
    assert.throws(() => partitionOfKey('k', 0), RangeError);
  });
});
