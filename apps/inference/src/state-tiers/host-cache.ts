/** A stream's encoded changelog record and when the stream last had an event (ms since epoch). */
export interface HostRecord {
  readonly bytes: Uint8Array;
  readonly lastSeen: number;
}

/** Where records go once host memory is full (an on-disk store); see LmdbTier. */
export interface SpillTier {
  get(stream: string): HostRecord | undefined;
  /** Writes all of them in one transaction. */
  putMany(entries: readonly (readonly [string, HostRecord])[]): void;
  /** Removes them (those present) in one transaction. */
  deleteMany(streams: Iterable<string>): void;
  /** Up to `limit` streams last seen before `cutoff` (oldest first). */
  seenBefore(cutoff: number, limit: number): string[];
  readonly count: number;
  clear(): void;
  close(): void;
}

/**
 * What one entry costs in host memory besides its bytes and key: the Map entry, the key string,
 * the HostRecord object, the Uint8Array and its own ArrayBuffer, and the allocator's share of a
 * small separate allocation. Measured as anonymous resident memory per entry (300,000 entries,
 * records of 100 and 220 bytes, Node 20): 490–530 bytes more than the record and key. The V8
 * heap alone shows ~130; 160 had let the resident footprint reach 1.8–2.3× the bound.
 */
const ENTRY_OVERHEAD_BYTES = 512;

/** Records spilled per disk transaction when memory is over its bound (one write each is slow). */
const SPILL_BATCH = 4096;

/**
 * The host tiers of stream state below the engine's table: a bounded in-memory cache of encoded
 * records (least recently put first out) spilling to an on-disk tier. Memory holds at most
 * `maxBytes` of records (keys and entry overhead included), so a worker that keeps meeting new
 * streams, or restores millions of them, stays within a fixed footprint; the disk holds the rest.
 *
 * A stream may briefly have a newer copy in memory and an older one on disk (put again after a
 * spill, e.g. a changelog replay): memory is always read first, and delete() removes both.
 */
export class HostStateCache {
  private readonly memory = new Map<string, HostRecord>();
  private memoryBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly spill: SpillTier | null,
  ) {}

  get memoryCount(): number {
    return this.memory.size;
  }

  get bytesInMemory(): number {
    return this.memoryBytes;
  }

  get diskCount(): number {
    return this.spill?.count ?? 0;
  }

  get(stream: string): HostRecord | undefined {
    return this.memory.get(stream) ?? this.spill?.get(stream);
  }

  put(stream: string, record: HostRecord): void {
    this.deleteFromMemory(stream);
    this.memory.set(stream, record);
    this.memoryBytes += cost(stream, record);
    if (this.memoryBytes > this.maxBytes) this.spillOldest();
  }

  delete(stream: string): void {
    this.deleteMany([stream]);
  }

  /** One disk transaction for all of them (dropping a revoked partition's streams). */
  deleteMany(streams: Iterable<string>): void {
    const rest: string[] = [];
    for (const s of streams) {
      this.deleteFromMemory(s);
      rest.push(s); // an older copy may be on disk even when memory had one
    }
    if (rest.length > 0) this.spill?.deleteMany(rest);
  }

  /**
   * Removes and returns up to `limit` streams last seen before `cutoff`, in memory or on disk. A
   * disk copy shadowed by a newer memory copy is only discarded, not reported.
   */
  takeSeenBefore(cutoff: number, limit: number): string[] {
    const out: string[] = [];
    for (const [stream, r] of this.memory) {
      if (out.length >= limit) break;
      if (r.lastSeen < cutoff) out.push(stream);
    }
    for (const s of out) this.delete(s);
    if (this.spill === null || out.length >= limit) return out;
    const onDisk = this.spill.seenBefore(cutoff, limit - out.length);
    this.spill.deleteMany(onDisk);
    for (const stream of onDisk) if (!this.memory.has(stream)) out.push(stream);
    return out;
  }

  clear(): void {
    this.memory.clear();
    this.memoryBytes = 0;
    this.spill?.clear();
  }

  private deleteFromMemory(stream: string): boolean {
    const old = this.memory.get(stream);
    if (old === undefined) return false;
    this.memory.delete(stream);
    this.memoryBytes -= cost(stream, old);
    return true;
  }

  /** Moves the oldest records to disk (in batches: one disk transaction each) until under the bound. */
  private spillOldest(): void {
    if (this.spill === null) return; // memory only: the bound is advisory (tests, tiny deployments)
    const target = this.maxBytes * 0.9; // hysteresis: not one spill per put once full
    while (this.memoryBytes > target && this.memory.size > 0) {
      const batch: [string, HostRecord][] = [];
      for (const entry of this.memory) {
        batch.push(entry);
        if (batch.length >= SPILL_BATCH) break;
      }
      this.spill.putMany(batch);
      for (const [stream] of batch) this.deleteFromMemory(stream);
    }
  }
}

function cost(stream: string, r: HostRecord): number {
  return r.bytes.byteLength + 2 * stream.length + ENTRY_OVERHEAD_BYTES;
}
