import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { HostRecord, SpillTier } from './host-cache';

/**
 * The on-disk tier of stream state: LMDB (the `lmdb` package ships prebuilt binaries in the npm
 * registry). Values are "f64 lastSeen | record"; a second table indexes (lastSeen, stream) so the
 * state TTL finds expired streams without scanning millions of records.
 *
 * Nothing here is durable by design: the changelog is the durable copy, and the directory is wiped
 * when the tier opens (a restart restores from the changelog). So writes skip fsync.
 */
/**
 * Longest stream id (UTF-8 bytes) used as an LMDB key as it is. LMDB refuses keys over 1978 bytes,
 * and the last-seen index adds ~10 bytes to its key; stream ids may be 4096 characters (events
 * written straight to the topic). Longer ids are keyed by their SHA-256 instead. A failed put had
 * failed the whole spill batch, then every later put: the host tier stuck past its bound and the
 * partition's steps failing.
 */
const MAX_DIRECT_KEY_BYTES = 1024;

/** The LMDB key of a stream: the id, or " " + its hash (no stream id holds whitespace). */
function keyOf(stream: string): string {
  return Buffer.byteLength(stream) <= MAX_DIRECT_KEY_BYTES ? stream : ` ${createHash('sha256').update(stream).digest('base64')}`;
}

export class LmdbTier implements SpillTier {
  private readonly root: RootDatabase;
  /** Named tables (the root table also lists the named ones, so it would miscount). */
  private readonly records: Database<Buffer, string>;
  private readonly seen: Database<null, [number, string]>;
  /** The ids behind hashed keys (keyOf), for the TTL sweep, which reports stream ids. */
  private readonly longIds: Database<string, string>;

  /**
   * `indexLastSeen`: keep the (lastSeen, stream) index the state TTL needs. Without a TTL it is
   * skipped: it doubles the writes and adds a read per spilled record.
   */
  constructor(
    private readonly dir: string,
    private readonly indexLastSeen = true,
  ) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.root = open({ path: dir, noSync: true, maxDbs: 3, compression: false, useWritemap: true });
    this.records = this.root.openDB<Buffer, string>({ name: 'records', encoding: 'binary' });
    this.seen = this.root.openDB<null, [number, string]>({ name: 'seen', encoding: 'binary' });
    this.longIds = this.root.openDB<string, string>({ name: 'long-ids', encoding: 'string' });
  }

  get count(): number {
    return this.records.getCount();
  }

  get(stream: string): HostRecord | undefined {
    const v = this.records.getBinary(keyOf(stream));
    if (v === undefined) return undefined;
    // Without the TTL index the value is the record alone (no last-seen time: nothing reads it).
    if (!this.indexLastSeen) return { lastSeen: 0, bytes: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
    return { lastSeen: v.readDoubleLE(0), bytes: new Uint8Array(v.buffer, v.byteOffset + 8, v.byteLength - 8) };
  }

  putMany(entries: readonly (readonly [string, HostRecord])[]): void {
    // Key order: neighbouring inserts share B-tree pages, so a batch dirties fewer of them.
    const keyed = entries.map(([stream, r]) => [keyOf(stream), stream, r] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.root.transactionSync(() => {
      for (const [key, stream, r] of keyed) {
        if (key !== stream) this.longIds.putSync(key, stream);
        if (!this.indexLastSeen) {
          this.records.putSync(key, Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength));
          continue;
        }
        this.unindex(key);
        const v = Buffer.allocUnsafe(8 + r.bytes.byteLength);
        v.writeDoubleLE(r.lastSeen, 0);
        v.set(r.bytes, 8);
        this.records.putSync(key, v);
        this.seen.putSync([r.lastSeen, key], Buffer.alloc(0) as unknown as null);
      }
    });
  }

  deleteMany(streams: Iterable<string>): void {
    // Reads are cheap and most dropped streams were never spilled: open a write transaction only
    // for those that are here.
    const present = [...streams].map(keyOf).filter((k) => this.records.doesExist(k));
    if (present.length === 0) return;
    this.root.transactionSync(() => {
      for (const k of present) {
        if (this.indexLastSeen) this.unindex(k);
        this.records.removeSync(k);
        if (k.startsWith(' ')) this.longIds.removeSync(k);
      }
    });
  }

  seenBefore(cutoff: number, limit: number): string[] {
    const out: string[] = [];
    for (const [, key] of this.seen.getKeys({ end: [cutoff, ''], limit })) {
      const stream = key.startsWith(' ') ? this.longIds.get(key) : key;
      if (stream !== undefined) out.push(stream);
    }
    return out;
  }

  clear(): void {
    this.root.transactionSync(() => {
      this.seen.clearSync();
      this.records.clearSync();
      this.longIds.clearSync();
    });
  }

  close(): void {
    void this.root.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private unindex(key: string): void {
    const old = this.records.getBinary(key);
    if (old !== undefined) this.seen.removeSync([old.readDoubleLE(0), key]);
  }
}
