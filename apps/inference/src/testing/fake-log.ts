import { KafkaError, ProducerFencedError, type ConsumedMessage, type OutgoingMessage, type TopicMessages } from '@streamcell/kafka';
import type { Guarantee, PartitionCommitter } from '../commit/committer';
import type { EventOffsets } from '../partition-initialiser';
import type { CommitSnapshot } from '../partition-task';
import type { ChangelogReader } from '../state-tiers/restorer';

/** One write the committers made, as a test reads it back. */
export interface LoggedCommit {
  readonly partition: number;
  readonly nextOffset: string;
  readonly records: number;
}

/**
 * The part of Kafka the inference core sees, in memory: topics of partitions of records (only
 * committed writes are ever visible: a write lands whole or not at all), the group's committed
 * offsets, and one producer epoch per input partition so that a newer owner fences an older one,
 * as transactional ids do. It outlives a worker, so a crash and restore can be played on it.
 */
export class FakeLog {
  private readonly topics = new Map<string, Map<number, ConsumedMessage[]>>();
  readonly groupOffsets = new Map<number, bigint>();
  readonly commits: LoggedCommit[] = [];
  private readonly epochs = new Map<number, number>();
  /** Failures to inject into the next writes of a partition, in order. */
  private readonly failures = new Map<number, Error[]>();
  /** Writes of a partition wait on this (a transaction slow on the wire). */
  private readonly gates = new Map<number, Promise<void>>();

  constructor(readonly eventPartitions: number) {}

  append(topic: string, partition: number, m: OutgoingMessage, now: number): ConsumedMessage {
    const parts = this.topics.get(topic) ?? new Map<number, ConsumedMessage[]>();
    this.topics.set(topic, parts);
    const list = parts.get(partition) ?? [];
    parts.set(partition, list);
    const record: ConsumedMessage = {
      topic,
      partition,
      offset: String(list.length),
      key: m.key === null ? null : Buffer.from(m.key),
      value: m.value === null ? null : Buffer.from(m.value),
      headers: { ...(m.headers ?? {}) },
      timestamp: now,
    };
    list.push(record);
    return record;
  }

  records(topic: string, partition?: number): ConsumedMessage[] {
    const parts = this.topics.get(topic);
    if (parts === undefined) return [];
    if (partition !== undefined) return [...(parts.get(partition) ?? [])];
    return [...parts.values()].flat();
  }

  /** Makes the partition's next writes fail with these errors, one each. */
  failNextWrites(partition: number, ...errors: Error[]): void {
    this.failures.set(partition, [...(this.failures.get(partition) ?? []), ...errors]);
  }

  /** Holds the partition's writes until the returned function is called. */
  hold(partition: number): () => void {
    let release!: () => void;
    this.gates.set(partition, new Promise<void>((r) => (release = r)));
    return () => {
      this.gates.delete(partition);
      release();
    };
  }

  /** Another owner took the partition's transactional id (fences the current one). */
  fence(partition: number): void {
    this.epochs.set(partition, (this.epochs.get(partition) ?? 0) + 1);
  }

  /** Exactly-once over this log: atomic writes of records + offset, fenced by epoch. */
  guarantee(onInterval = true): Guarantee {
    return {
      onInterval,
      committer: (p) => this.committer(p),
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
  }

  offsets(): EventOffsets {
    return {
      committed: () => Promise.resolve(new Map(this.groupOffsets)),
      earliest: () => Promise.resolve(new Map(Array.from({ length: this.eventPartitions }, (_, p) => [p, 0n] as const))),
    };
  }

  readonly readChangelog: ChangelogReader = (topic, partitions, onMessage, from) => {
    let records = 0;
    for (const p of partitions) {
      const start = Number(from.get(p) ?? 0n);
      for (const m of this.records(topic, p).slice(start)) {
        onMessage(m);
        records += 1;
      }
    }
    return Promise.resolve({ records });
  };

  private committer(partition: number): PartitionCommitter {
    let epoch: number | undefined;
    return {
      open: () => {
        this.fence(partition);
        epoch = this.epochs.get(partition);
        return Promise.resolve();
      },
      write: async (s: CommitSnapshot) => {
        await this.gates.get(partition);
        const injected = this.failures.get(partition)?.shift();
        if (injected !== undefined) throw injected;
        if (epoch === undefined) throw new KafkaError('committer not open', false);
        if (epoch !== this.epochs.get(partition)) throw new ProducerFencedError(`fake.${partition}`);
        this.write(s.records, Date.now());
        this.groupOffsets.set(partition, BigInt(s.nextOffset));
        this.commits.push({ partition, nextOffset: s.nextOffset, records: s.records.reduce((n, t) => n + t.messages.length, 0) });
      },
      close: () => Promise.resolve(),
    };
  }

  private write(batches: readonly TopicMessages[], now: number): void {
    for (const t of batches) for (const m of t.messages) this.append(t.topic, m.partition ?? 0, m, now);
  }
}
