import type { ConsumedMessage } from '@streamcell/kafka';
import type { PartitionTask } from '../partition-task';
import type { StreamStore } from '../stream-store';
import type { LocalCheckpoint } from './local-checkpoint';

/** Reads a changelog's partitions to their end, from their start or from `from`'s offsets (KafkaConnection.readToEnd). */
export type ChangelogReader = (topic: string, partitions: readonly number[], onMessage: (m: ConsumedMessage) => void, from: ReadonlyMap<number, bigint>) => Promise<{ records: number }>;

/** A warm start's inputs: the local checkpoint and the changelog's current offsets. */
export interface WarmStart {
  readonly checkpoint: LocalCheckpoint;
  /** First and end offsets of the changelog's partitions. */
  readonly offsets: () => Promise<{ start: ReadonlyMap<number, bigint>; end: ReadonlyMap<number, bigint> }>;
  readonly maxAgeMs: number;
}

export interface RestoreResult {
  /** Changelog records read. */
  readonly records: number;
  /** Streams the partitions have now. */
  readonly streams: number;
  /** Streams loaded from the local checkpoint (warm), before the changelog tail. */
  readonly fromCheckpoint: number;
}

/**
 * Restores the streams of newly assigned partitions into the store. A partition with a usable local
 * checkpoint (LocalCheckpoint) is loaded from it and only the changelog after its offset is read;
 * the others are read from the changelog's start. The checkpoint of every partition restored here
 * is deleted as it is used: what the worker does from now on is not in it.
 *
 * Each record is kept as the bytes it came in (decoded only when its stream next has an event), and
 * a later record of a stream replaces the earlier one, so only the last per stream is ever applied.
 * Restored streams count as seen at `now` for the state TTL.
 */
export async function restoreStreams(read: ChangelogReader, topic: string, tasks: readonly PartitionTask[], store: StreamStore, now: number, warm?: WarmStart): Promise<RestoreResult> {
  const byPartition = new Map(tasks.map((t) => [t.partition, t]));
  const from = new Map<number, bigint>();
  let fromCheckpoint = 0;
  if (warm !== undefined) {
    const held = warm.checkpoint.partitions().filter((p) => byPartition.has(p));
    if (held.length > 0) {
      const { start, end } = await warm.offsets();
      for (const p of held) {
        const cp = warm.checkpoint.usable(p, start.get(p) ?? 0n, end.get(p) ?? 0n, warm.maxAgeMs, now);
        const task = byPartition.get(p)!;
        if (cp !== undefined) {
          warm.checkpoint.forEach(p, (stream, bytes) => {
            store.put(stream, bytes, now);
            task.streams.add(stream);
          });
          from.set(p, cp.offset);
          fromCheckpoint += cp.streams;
        }
        warm.checkpoint.discard(p);
      }
    }
  }
  const { records } = await read(
    topic,
    [...byPartition.keys()],
    (m) => {
      const stream = m.key?.toString();
      const task = byPartition.get(m.partition);
      if (stream === undefined || task === undefined) return;
      // A copy: a view would keep kafkajs's whole fetch response alive for as long as the stream waits.
      store.put(stream, m.value === null ? null : new Uint8Array(m.value), now);
      if (m.value === null) task.streams.delete(stream);
      else task.streams.add(stream);
    },
    from,
  );
  return { records, streams: tasks.reduce((n, t) => n + t.streams.size, 0), fromCheckpoint };
}

/**
 * At a clean stop, after each partition's final commit: writes the partition's streams to the local
 * checkpoint with the changelog offset they correspond to. Only partitions whose last commit went
 * through (ready, nothing pending or in flight) are written; others are left to a full restore.
 */
export function checkpointPartitions(
  checkpoint: LocalCheckpoint,
  tasks: Iterable<PartitionTask>,
  store: StreamStore,
  changelogEnd: ReadonlyMap<number, bigint>,
  /** Whether the partition's last commit went through (the runner knows what is on the wire). */
  settled: (t: PartitionTask) => boolean = (t) => t.status === 'ready' && !t.hasPending,
): { partitions: number; streams: number } {
  let partitions = 0;
  let streams = 0;
  for (const t of tasks) {
    const end = changelogEnd.get(t.partition);
    if (!settled(t) || end === undefined) {
      checkpoint.discard(t.partition);
      continue;
    }
    streams += checkpoint.write(t.partition, end, recordsOf(t.streams, store));
    partitions += 1;
  }
  return { partitions, streams };
}

function* recordsOf(streams: Iterable<string>, store: StreamStore): Generator<readonly [string, Uint8Array]> {
  for (const s of streams) {
    const r = store.record(s);
    if (r !== null) yield [s, r];
  }
}
