import type { PartitionTask } from '../partition-task';
import type { StreamStore } from '../stream-store';

/** Streams expired per sweep, at most: a sweep runs between steps and must stay short. */
export const EXPIRY_BATCH = 50_000;

/**
 * The state TTL, one sweep: drops streams idle longer than `ttlMs` and queues a tombstone for each
 * in its partition's next commit (the same transaction as that partition's outputs and offsets under
 * exactly-once, so a crash before it simply expires the stream again after the restore). A partition
 * with no new events still commits: its next offset is set to where it already is. Returns the
 * partitions given tombstones and how many streams expired.
 */
export function expireIdleStates(store: StreamStore, tasks: Iterable<PartitionTask>, now: number, ttlMs: number): { touched: PartitionTask[]; expired: number } {
  const expired = store.expire(now, ttlMs, EXPIRY_BATCH);
  if (expired.length === 0) return { touched: [], expired: 0 };
  const touched: PartitionTask[] = [];
  const owners = [...tasks];
  for (const stream of expired) {
    const task = owners.find((t) => t.streams.has(stream));
    if (task === undefined) continue; // not ours any more (revoked meanwhile): nothing to tombstone
    task.streams.delete(stream);
    task.dirty.add(stream);
    task.nextOffset ??= task.expectedOffset.toString();
    if (!touched.includes(task)) touched.push(task);
  }
  return { touched, expired: expired.length };
}
