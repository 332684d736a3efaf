import type { ConsumedMessage } from '@streamcell/kafka';
import type { PartitionTask } from '../partition-task';
import type { StreamStore } from '../stream-store';

/** Reads a changelog's partitions from their start to their end (KafkaConnection.readToEnd). */
export type ChangelogReader = (topic: string, partitions: readonly number[], onMessage: (m: ConsumedMessage) => void) => Promise<{ records: number }>;

/**
 * Restores the streams of newly assigned partitions from the state changelog into the store. Each
 * record is kept as the bytes it came in (decoded only when its stream next has an event), and a
 * later record of a stream replaces the earlier one, so only the last per stream is ever applied.
 * Restored streams count as seen at `now` for the state TTL.
 */
export async function restoreStreams(read: ChangelogReader, topic: string, tasks: readonly PartitionTask[], store: StreamStore, now: number): Promise<{ records: number; streams: number }> {
  const byPartition = new Map(tasks.map((t) => [t.partition, t]));
  const { records } = await read(topic, [...byPartition.keys()], (m) => {
    const stream = m.key?.toString();
    const task = byPartition.get(m.partition);
    if (stream === undefined || task === undefined) return;
    // A copy: a view would keep kafkajs's whole fetch response alive for as long as the stream waits.
    store.put(stream, m.value === null ? null : new Uint8Array(m.value), now);
    if (m.value === null) task.streams.delete(stream);
    else task.streams.add(stream);
  });
  return { records, streams: tasks.reduce((n, t) => n + t.streams.size, 0) };
}
