import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';

/** What a worker left for a partition at its last clean stop. */
export interface PartitionCheckpoint {
  /** The changelog's end offset right after the partition's final commit: the tail starts here. */
  readonly offset: bigint;
  readonly writtenAt: number;
  readonly streams: number;
}

interface Meta {
  readonly offset: string;
  readonly writtenAt: number;
  readonly streams: number;
  readonly identity: string;
}

/**
 * Local state for warm restarts, as in Kafka Streams' state directory plus `.checkpoint` file: at a
 * clean stop, after a partition's final commit, every stream of the partition is written here with
 * the changelog offset it corresponds to. A worker that comes back on the same volume loads the
 * partition from here and replays only the changelog after that offset.
 *
 * Exactly-once: only committed state is ever written (a clean stop, after the final transaction
 * succeeded), and a checkpoint is used once: it is deleted as it is loaded, so a worker that
 * crashes afterwards restores from the changelog as if it had none. It is refused when it is older
 * than `maxAgeMs` (the changelog's cleaner may by then have removed tombstones of the tail), when
 * it was written for another group or changelog, or when the changelog no longer holds its offset.
 */
export class LocalCheckpoint {
  private readonly root: RootDatabase;
  private readonly meta: Database<Meta, number>;
  private readonly records: Database<Buffer, [number, string]>;

  constructor(
    dir: string,
    private readonly identity: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.root = open({ path: dir, maxDbs: 2, compression: false });
    this.meta = this.root.openDB<Meta, number>({ name: 'meta' });
    this.records = this.root.openDB<Buffer, [number, string]>({ name: 'records', encoding: 'binary' });
  }

  /** Replaces the partition's checkpoint (one transaction, flushed to disk before it returns). */
  write(partition: number, offset: bigint, entries: Iterable<readonly [string, Uint8Array]>, now = Date.now()): number {
    let streams = 0;
    this.root.transactionSync(() => {
      this.removePartition(partition);
      for (const [stream, bytes] of entries) {
        this.records.putSync([partition, stream], Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        streams += 1;
      }
      this.meta.putSync(partition, { offset: offset.toString(), writtenAt: now, streams, identity: this.identity });
    });
    return streams;
  }

  /** The partition's checkpoint if there is a usable one (see the class comment); `logStart`: the changelog partition's first offset. */
  usable(partition: number, logStart: bigint, logEnd: bigint, maxAgeMs: number, now = Date.now()): PartitionCheckpoint | undefined {
    const m = this.meta.get(partition);
    if (m === undefined) return undefined;
    const offset = BigInt(m.offset);
    if (m.identity !== this.identity || now - m.writtenAt > maxAgeMs || offset < logStart || offset > logEnd) return undefined;
    return { offset, writtenAt: m.writtenAt, streams: m.streams };
  }

  /** Hands every stream of the partition's checkpoint to `onRecord`. */
  forEach(partition: number, onRecord: (stream: string, bytes: Uint8Array) => void): void {
    for (const { key, value } of this.records.getRange({ start: [partition, ''], end: [partition + 1, ''] })) {
      onRecord(key[1], new Uint8Array(value));
    }
  }

  /** Deletes the partition's checkpoint (it is loaded now, or it cannot be used). */
  discard(partition: number): void {
    this.root.transactionSync(() => this.removePartition(partition));
  }

  /** Partitions that have a checkpoint. */
  partitions(): number[] {
    return [...this.meta.getKeys()];
  }

  close(): Promise<void> {
    return this.root.close();
  }

  private removePartition(partition: number): void {
    this.meta.removeSync(partition);
    const keys = [...this.records.getKeys({ start: [partition, ''], end: [partition + 1, ''] })];
    for (const key of keys) this.records.removeSync(key);
  }
}
