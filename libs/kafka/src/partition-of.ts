import { Partitioners } from 'kafkajs';

/**
 * kafkajs's DefaultPartitioner: murmur2 of the key, as the Java client's default partitioner
 * (`toPositive(murmur2(key)) % partitions`), the partitioner streamcell's producers use. The
 * very same function, not a re-implementation, so a check built on it cannot drift from what
 * ingest writes. With a key it is deterministic (the round-robin state only serves null keys).
 */
const partitioner = Partitioners.DefaultPartitioner();

/** Partition metadata of an n-partition topic, as the partitioner reads it (only its length counts with a key). */
const metadataCache = new Map<number, { partitionId: number; leader: number; replicas: number[]; isr: number[]; partitionErrorCode: number }[]>();

/**
 * The partition a record with this key belongs on in a topic of `partitions` partitions, under the
 * Java client's default (murmur2) partitioning. A string key is hashed as its UTF-8 bytes.
 */
export function partitionOfKey(key: string | Buffer, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  let metadata = metadataCache.get(partitions);
  if (metadata === undefined) {
    metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    metadataCache.set(partitions, metadata);
  }
  return partitioner({ topic: '', partitionMetadata: metadata, message: { key, value: null } });
}
