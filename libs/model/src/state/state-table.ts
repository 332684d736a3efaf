import { StateTableError } from '../errors';

export type EvictionReason = 'idle' | 'lru' | 'removed';

export interface EvictionEvent {
  readonly streamId: string;
  readonly reason: EvictionReason;
  /** The stream's state at eviction, as `snapshot()` encodes it (e.g. for a changelog tombstone or archive). */
  readonly state: Uint8Array;
}

export interface StateTableOptions {
  /** Maximum number of streams held; the least recently used is evicted past it. */
  readonly capacity: number;
  /** Floats per stream of each state tensor (e.g. stateTensors(spec).map(s => s.size)). */
  readonly stateSizes: readonly number[];
  /** Streams not stepped for this long are evicted by evictIdle(). Milliseconds; default: never. */
  readonly idleTimeoutMs?: number;
  /** Called synchronously for every evicted stream. */
  readonly onEvict?: (event: EvictionEvent) => void;
}

const SNAPSHOT_MAGIC = 0x54534353; // "SCST" little-endian
const NONE = -1;
/**
 * Staging rows reserved after the table (times STAGING_SETS): batches up to this size gather and
 * scatter by memmove. Reserved, not touched: ArrayBuffer memory is zero-filled lazily by the OS, so
 * rows a deployment never stages never become resident.
 */
const MAX_STAGING_ROWS = 16_384;
/** Staging sets: the gathered states, and the kernel's new states (kept apart so ORT can write them directly). */
const STAGING_SETS = 2;

/**
 * Per-stream recurrent state on the host: a slot per stream id, one Float32Array per state tensor
 * ([capacity, size], slot-major), so the hot path touches no per-stream objects. Recency is an
 * intrusive doubly linked list over slots, giving O(1) touch and LRU eviction and an idle sweep
 * that stops at the first fresh stream. A slot's links, last-use time and batch stamp share one
 * 32-byte record (`meta`): touching a random stream of a large table costs one cache miss for its
 * bookkeeping instead of one per array (four, before).
 *
 * All state tensors live in one ArrayBuffer together with a staging area (`staging()`), so
 * gathering a stream's row into a batch and scattering it back is one `copyWithin` (a native
 * memmove) per row and tensor. A per-element JS loop was the largest cost of a batched step at
 * batch 1024 (1.3 ms of 4.1 ms for LSTM-128 over 100k streams; memmove: 0.3 ms).
 */
export class StateTable {
  readonly capacity: number;
  readonly stateSizes: readonly number[];
  /** buffers[i][slot * stateSizes[i] + j]: state tensor i of the stream in `slot`. */
  readonly buffers: Float32Array[];
  /** One view over the whole backing memory (table + staging), for copyWithin; null if it had to be split. */
  private readonly memory: Float32Array | null;
  /** Float offset of each state tensor in `memory`. */
  private readonly offsets: number[];
  /** Staging rows available (0 when `memory` is null). */
  private readonly stagingRows: number;
  /** Float offset of the staging area in `memory`. */
  private readonly stagingAt: number;
  private readonly idleTimeoutMs: number;
  private readonly onEvict: ((event: EvictionEvent) => void) | undefined;
  private readonly slots = new Map<string, number>();
  private readonly ids: (string | undefined)[];
  /** Per slot, 8 int32: [prev, next, batch stamp, –, lastUsed (float64 over ints 4–5), –, –]. */
  private readonly meta: Int32Array;
  /** The same memory as float64, for lastUsed at [slot * 4 + 2]. */
  private readonly metaTime: Float64Array;
  /** Stamp of the current acquireAll batch (compared with each slot's). */
  private generation = 0;
  private head = NONE; // least recently used
  private tail = NONE; // most recently used
  private readonly free: number[] = [];

  constructor(options: StateTableOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new StateTableError(`state table capacity must be a positive integer, got ${JSON.stringify(options.capacity)}`);
    }
    if (options.stateSizes.length === 0 || options.stateSizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new StateTableError(`stateSizes must be positive integers, got ${JSON.stringify(options.stateSizes)}`);
    }
    this.capacity = options.capacity;
    this.stateSizes = [...options.stateSizes];
    const floats = this.stateSizes.reduce((a, b) => a + b, 0);
    this.offsets = this.stateSizes.map((_, i) => options.capacity * this.stateSizes.slice(0, i).reduce((a, b) => a + b, 0));
    this.stagingAt = options.capacity * floats;
    const rows = Math.min(options.capacity, MAX_STAGING_ROWS);
    const memory = allocate(this.stagingAt + STAGING_SETS * rows * floats);
    this.memory = memory;
    this.stagingRows = memory === null ? 0 : rows;
    this.buffers = this.stateSizes.map((s, i) =>
      memory === null ? new Float32Array(options.capacity * s) : memory.subarray(this.offsets[i], this.offsets[i] + options.capacity * s),
    );
    this.idleTimeoutMs = options.idleTimeoutMs ?? Infinity;
    this.onEvict = options.onEvict;
    this.ids = new Array<string | undefined>(options.capacity);
    this.metaTime = new Float64Array(options.capacity * 4);
    this.meta = new Int32Array(this.metaTime.buffer);
    this.resetLinks();
    for (let s = options.capacity - 1; s >= 0; s--) this.free.push(s);
  }

  get size(): number {
    return this.slots.size;
  }

  has(streamId: string): boolean {
    return this.slots.has(streamId);
  }

  /** Slot of a stream, or undefined when it holds no state. */
  slotOf(streamId: string): number | undefined {
    return this.slots.get(streamId);
  }

  /**
   * Slot of the stream, marking it most recently used at `now` (ms). A new stream gets zeroed state;
   * when the table is full the least recently used stream is evicted first.
   */
  acquire(streamId: string, now: number): number {
    let slot = this.slots.get(streamId);
    if (slot === undefined) {
      if (this.free.length === 0) this.evictSlot(this.head, 'lru');
      slot = this.free.pop()!;
      this.slots.set(streamId, slot);
      this.ids[slot] = streamId;
      this.meta[slot * 8 + 2] = 0; // a reused slot must not look acquired in the current batch
      this.zero(slot);
      this.append(slot);
    } else if (slot !== this.tail) {
      this.unlink(slot);
      this.append(slot);
    }
    this.metaTime[slot * 4 + 2] = now;
    return slot;
  }

  /**
   * acquire() for each of `streamIds` in order, their slots into `slots`. Returns the index of the
   * first id that was already acquired earlier in the same call (a duplicate), or -1; the ids
   * before it have been acquired. The duplicate check rides on the slot's record, which acquire
   * has just touched anyway.
   */
  acquireAll(streamIds: readonly string[], now: number, slots: Int32Array): number {
    if (++this.generation === 0x7fffffff) {
      for (let s = 0; s < this.capacity; s++) this.meta[s * 8 + 2] = 0;
      this.generation = 1;
    }
    const gen = this.generation;
    const meta = this.meta;
    for (let b = 0; b < streamIds.length; b++) {
      const slot = this.acquire(streamIds[b], now);
      if (meta[slot * 8 + 2] === gen) return b;
      meta[slot * 8 + 2] = gen;
      slots[b] = slot;
    }
    return -1;
  }

  /** Evicts streams idle longer than idleTimeoutMs at `now`; returns how many. */
  evictIdle(now: number): number {
    let n = 0;
    while (this.head !== NONE && now - this.metaTime[this.head * 4 + 2] > this.idleTimeoutMs) {
      this.evictSlot(this.head, 'idle');
      n++;
    }
    return n;
  }

  /** Removes a stream (reported to onEvict with reason 'removed'); false if it was absent. */
  remove(streamId: string): boolean {
    const slot = this.slots.get(streamId);
    if (slot === undefined) return false;
    this.evictSlot(slot, 'removed');
    return true;
  }

  /** Zeroes one stream's state (it stays in the table); false if it was absent. */
  reset(streamId: string): boolean {
    const slot = this.slots.get(streamId);
    if (slot === undefined) return false;
    this.zero(slot);
    return true;
  }

  /** Drops every stream without calling onEvict (used when an architecture change invalidates all states). */
  clear(): void {
    for (const slot of this.slots.values()) this.ids[slot] = undefined;
    this.slots.clear();
    this.free.length = 0;
    for (let s = this.capacity - 1; s >= 0; s--) this.free.push(s);
    this.resetLinks();
    this.head = this.tail = NONE;
    for (const b of this.buffers) b.fill(0);
  }

  /**
   * One stream's state as bytes: uint32 magic, uint32 float count, then the state tensors in order
   * as little-endian float32. Undefined when the stream holds no state.
   */
  snapshot(streamId: string): Uint8Array | undefined {
    const slot = this.slots.get(streamId);
    return slot === undefined ? undefined : this.snapshotSlot(slot);
  }

  /** Restores a stream's state from snapshot() bytes (creating its slot if needed) at time `now`. */
  restore(streamId: string, bytes: Uint8Array, now: number): void {
    const total = this.stateSizes.reduce((a, b) => a + b, 0);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength !== 8 + 4 * total || view.getUint32(0, true) !== SNAPSHOT_MAGIC || view.getUint32(4, true) !== total) {
      throw new StateTableError(
        `state snapshot for stream ${JSON.stringify(streamId)} is ${bytes.byteLength} bytes; expected ${8 + 4 * total} (magic + ${total} floats) — wrong model architecture or corrupt record`,
      );
    }
    const slot = this.acquire(streamId, now);
    let off = 8;
    this.stateSizes.forEach((size, i) => {
      const buf = this.buffers[i];
      for (let j = 0; j < size; j++, off += 4) buf[slot * size + j] = view.getFloat32(off, true);
    });
  }

  /** Stream ids, least recently used first. */
  *streams(): IterableIterator<string> {
    for (let s = this.head; s !== NONE; s = this.meta[s * 8 + 1]) yield this.ids[s]!;
  }

  /**
   * Buffers for `rows` streams ([rows, size_i] per state tensor) in `sets` independent sets, placed
   * in the table's own memory so that gather/scatter with them are memmoves. Null when `rows`
   * exceeds the reserved staging area (then use plain arrays: gather/scatter still work, per
   * element). Each call hands out the same memory: a later call's views alias an earlier one's.
   */
  staging(rows: number, sets: number = 1): Float32Array[][] | null {
    const memory = this.memory;
    if (memory === null || rows > this.stagingRows || sets > STAGING_SETS || rows < 1) return null;
    const floats = this.stateSizes.reduce((a, b) => a + b, 0);
    return Array.from({ length: sets }, (_, k) => {
      let at = this.stagingAt + k * this.stagingRows * floats;
      return this.stateSizes.map((size) => {
        const view = memory.subarray(at, at + rows * size);
        at += rows * size;
        return view;
      });
    });
  }

  /** Copies the states of `slots[0..batch)` into out[i] ([batch, size_i], batch-major). */
  gather(slots: Int32Array, batch: number, out: Float32Array[]): void {
    for (let i = 0; i < this.buffers.length; i++) {
      const size = this.stateSizes[i];
      const dst = out[i];
      const memory = this.memory;
      if (memory !== null && dst.buffer === memory.buffer) {
        // Both in one buffer: a native memmove per row, no allocation.
        const base = this.offsets[i];
        const to = dst.byteOffset >> 2;
        for (let b = 0; b < batch; b++) {
          const from = base + slots[b] * size;
          memory.copyWithin(to + b * size, from, from + size);
        }
        continue;
      }
      const src = this.buffers[i];
      for (let b = 0; b < batch; b++) {
        const from = slots[b] * size;
        const to = b * size;
        for (let j = 0; j < size; j++) dst[to + j] = src[from + j]!;
      }
    }
  }

  /** Inverse of gather: from[i] ([batch, size_i]) back into the rows of `slots[0..batch)`. */
  scatter(slots: Int32Array, batch: number, from: Float32Array[]): void {
    for (let i = 0; i < this.buffers.length; i++) {
      const size = this.stateSizes[i];
      const src = from[i];
      const memory = this.memory;
      if (memory !== null && src.buffer === memory.buffer) {
        const base = this.offsets[i];
        const at = src.byteOffset >> 2;
        for (let b = 0; b < batch; b++) {
          const s = at + b * size;
          memory.copyWithin(base + slots[b] * size, s, s + size);
        }
        continue;
      }
      const dst = this.buffers[i];
      for (let b = 0; b < batch; b++) {
        const to = slots[b] * size;
        const a = b * size;
        for (let j = 0; j < size; j++) dst[to + j] = src[a + j]!;
      }
    }
  }

  private snapshotSlot(slot: number): Uint8Array {
    const total = this.stateSizes.reduce((a, b) => a + b, 0);
    const bytes = new Uint8Array(8 + 4 * total);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, SNAPSHOT_MAGIC, true);
    view.setUint32(4, total, true);
    let off = 8;
    this.stateSizes.forEach((size, i) => {
      const buf = this.buffers[i];
      for (let j = 0; j < size; j++, off += 4) view.setFloat32(off, buf[slot * size + j], true);
    });
    return bytes;
  }

  private evictSlot(slot: number, reason: EvictionReason): void {
    const streamId = this.ids[slot]!;
    const state = this.onEvict ? this.snapshotSlot(slot) : new Uint8Array(0);
    this.unlink(slot);
    this.slots.delete(streamId);
    this.ids[slot] = undefined;
    this.free.push(slot);
    this.onEvict?.({ streamId, reason, state });
  }

  /** Every slot unlinked (prev = next = NONE); stamps and times are left as they are. */
  private resetLinks(): void {
    for (let s = 0; s < this.capacity; s++) this.meta[s * 8] = this.meta[s * 8 + 1] = NONE;
  }

  private zero(slot: number): void {
    this.stateSizes.forEach((size, i) => this.buffers[i].fill(0, slot * size, slot * size + size));
  }

  private append(slot: number): void {
    const meta = this.meta;
    meta[slot * 8] = this.tail;
    meta[slot * 8 + 1] = NONE;
    if (this.tail !== NONE) meta[this.tail * 8 + 1] = slot;
    else this.head = slot;
    this.tail = slot;
  }

  private unlink(slot: number): void {
    const meta = this.meta;
    const p = meta[slot * 8];
    const n = meta[slot * 8 + 1];
    if (p !== NONE) meta[p * 8 + 1] = n;
    else this.head = n;
    if (n !== NONE) meta[n * 8] = p;
    else this.tail = p;
    meta[slot * 8] = meta[slot * 8 + 1] = NONE;
  }
}

/**
 * The table's backing memory as one Float32Array, or null when one buffer that large cannot be
 * allocated (Node 20 caps an ArrayBuffer at 4 GiB): the table then keeps one array per tensor and
 * copies per element.
 */
function allocate(floats: number): Float32Array | null {
  try {
    return new Float32Array(floats);
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}
