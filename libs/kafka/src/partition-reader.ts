import { randomUUID } from 'node:crypto';
import { AssignerProtocol, type Kafka, type PartitionAssigner } from 'kafkajs';
import type { KafkaLogger } from './client';
import { toKafkaError } from './errors';
import { fromKafkaMessage, type ConsumedMessage } from './message';

/**
 * kafkajs has no manual assign(); a throwaway single-member group whose assigner hands that member
 * exactly the wanted partitions gives the same effect.
 */
function fixedAssigner(topic: string, partitions: readonly number[]): PartitionAssigner {
  return () => ({
    name: 'StreamcellFixedAssigner',
    version: 1,
    assign: ({ members }) =>
      Promise.resolve(
        members.map((m, i) => ({
          memberId: m.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 1,
            assignment: i === 0 ? { [topic]: [...partitions] } : {},
            userData: Buffer.alloc(0),
          }),
        })),
      ),
    protocol: ({ topics }) => ({
      name: 'StreamcellFixedAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    }),
  });
}

/**
 * Reads the given partitions from their start (or from `from`'s offset for a partition: a warm
 * restart's changelog tail) to their current end (read_committed), handing every record to
 * `onMessage`, and resolves when all are consumed. Used to restore state from a compacted
 * changelog. The end is the high watermark seen when reading starts; "reached" is judged from the
 * consumer's batch events, which also count transaction markers (which are never delivered as
 * records and may be the last offsets of a partition).
 */
export async function readPartitionsToEnd(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[],
  onMessage: (m: ConsumedMessage) => void,
  logger: KafkaLogger,
  timeoutMs = 120_000,
  from: ReadonlyMap<number, bigint> = new Map(),
): Promise<{ records: number }> {
  if (partitions.length === 0) return { records: 0 };
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const pending = new Map<number, bigint>();
    for (const o of offsets) {
      const start = from.get(o.partition) ?? BigInt(o.low);
      if (partitions.includes(o.partition) && BigInt(o.high) > start) pending.set(o.partition, BigInt(o.high));
    }
    if (pending.size === 0) return { records: 0 };

    const groupId = `streamcell-restore-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, partitionAssigners: [fixedAssigner(topic, [...pending.keys()])], readUncommitted: false });
    let records = 0;
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const reached = (partition: number, lastOffset: string): void => {
      const end = pending.get(partition);
      if (end !== undefined && BigInt(lastOffset) + 1n >= end) {
        pending.delete(partition);
        if (pending.size === 0) finish();
      }
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => reached(e.payload.partition, e.payload.lastOffset));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: ({ batch }) => {
          const start = from.get(batch.partition);
          for (const m of batch.messages) {
            // A fetch that began before the seek took effect may still deliver earlier records.
            if (start !== undefined && BigInt(m.offset) < start) continue;
            records += 1;
            onMessage(fromKafkaMessage(topic, batch.partition, m));
          }
          return Promise.resolve();
        },
      });
      for (const p of pending.keys()) {
        const offset = from.get(p);
        if (offset !== undefined) consumer.seek({ topic, partition: p, offset: offset.toString() });
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`restore of ${topic} ${[...pending.keys()].join(',')} not finished after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return { records };
    } catch (e) {
      throw toKafkaError(e, `read ${topic} to end`);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch((e: unknown) => logger.debug('could not delete restore group', { groupId, error: String(e) }));
    }
  } finally {
    await admin.disconnect();
  }
}
