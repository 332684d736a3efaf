import type { CommitSnapshot } from '../partition-task';

/** How one partition's processed work becomes durable. */
export interface PartitionCommitter {
  /**
   * Takes the partition over before its committed offset is read. Exactly-once: initialises the
   * partition's transactional producer, which fences (and aborts the open transaction of) any
   * older owner, so the committed offset read afterwards is stable.
   */
  open(): Promise<void>;
  /** Writes the snapshot's records and offset; throws ProducerFencedError when another owner took over. */
  write(snapshot: CommitSnapshot): Promise<void>;
  close(): Promise<void>;
}

/** The delivery guarantee: one committer per partition, and when commits are taken. */
export interface Guarantee {
  /**
   * Exactly-once: a transaction per partition every commit interval (the interval sets how much
   * one transaction carries). At-least-once: a write after every batch. Either way the write
   * overlaps with processing later batches, one per partition on the wire.
   */
  readonly onInterval: boolean;
  committer(partition: number): PartitionCommitter;
  /** Connects what the committers share (the at-least-once producer). */
  start(): Promise<void>;
  stop(): Promise<void>;
}
