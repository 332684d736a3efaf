import { StateTableError } from '../errors';
import { StateMemory } from './state-memory';
import { checkSnapshot, SNAPSHOT_HEADER_BYTES, writeSnapshotHeader } from './state-snapshot';

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
  /**
   * Identifies the architecture whose states the table holds (architectureFingerprint), written
   * into every snapshot and checked on restore: two architectures can have the same state size.
   * Default 0 (not checked against anything but another 0).
   */
  readonly fingerprint?: number;
}

const NONE = -1;
/**
 * Per-stream recurrent state on the host: a slot per stream id, one Float32Array per state tensor
 * ([capacity, size], slot-major), so the hot path touches no per-stream objects. Recency is an
 * intrusive doubly linked list over slots, giving O(1) touch and LRU eviction and an idle sweep
 * that stops at the first fresh stream. A slot's links, last-use time and batch stamp share one
 * 32-byte record (`meta`): touching a random stream of a large table costs one cache miss for its
 * bookkeeping instead of one per array (four, before).
 *
 * The state tensors and a staging area share one ArrayBuffer (StateMemory), so gathering a
 * stream's row into a batch and scattering it back is a memmove per row and tensor.
 */
export class StateTable {
  readonly capacity: number;
  readonly stateSizes: readonly number[];
  /** buffers[i][slot * stateSizes[i] + j]: state tensor i of the stream in `slot`. */
  readonly buffers: Float32Array[];
  private readonly memory: StateMemory;
  private readonly idleTimeoutMs: number;
  private readonly onEvict: ((event: EvictionEvent) => void) | undefined;
  private readonly fingerprint: number;
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
    this.memory = new StateMemory(options.capacity, this.stateSizes);
    this.buffers = this.memory.buffers;
    this.idleTimeoutMs = options.idleTimeoutMs ?? Infinity;
    this.onEvict = options.onEvict;
    this.fingerprint = options.fingerprint ?? 0;
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
   * One stream's state as bytes (state-snapshot.ts: a header with the architecture's fingerprint,
   * then the state tensors in order as little-endian float32). Undefined when the stream holds no state.
   */
  snapshot(streamId: string): Uint8Array | undefined {
    const slot = this.slots.get(streamId);
    return slot === undefined ? undefined : this.snapshotSlot(slot);
  }

  /** Restores a stream's state from snapshot() bytes (creating its slot if needed) at time `now`. */
  restore(streamId: string, bytes: Uint8Array, now: number): void {
    const total = this.stateSizes.reduce((a, b) => a + b, 0);
    const checked = checkSnapshot(bytes, total, this.fingerprint);
    if (typeof checked === 'string') throw new StateTableError(`state snapshot for stream ${JSON.stringify(streamId)}: ${checked}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const slot = this.acquire(streamId, now);
    let off = checked.floatsAt;
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
   * Buffers for `rows` streams ([rows, size_i] per state tensor) in `sets` independent sets, in the
   * table's own memory so that gather/scatter with them are memmoves; null past the reserve (then
   * use plain arrays). See StateMemory.staging.
   */
  staging(rows: number, sets: number = 1): Float32Array[][] | null {
    return this.memory.staging(rows, sets);
  }

  /** Copies the states of `slots[0..batch)` into out[i] ([batch, size_i], batch-major). */
  gather(slots: Int32Array, batch: number, out: Float32Array[]): void {
    this.memory.gather(slots, batch, out);
  }

  /** Inverse of gather: from[i] ([batch, size_i]) back into the rows of `slots[0..batch)`. */
  scatter(slots: Int32Array, batch: number, from: Float32Array[]): void {
    this.memory.scatter(slots, batch, from);
  }

  private snapshotSlot(slot: number): Uint8Array {
    const total = this.stateSizes.reduce((a, b) => a + b, 0);
    const bytes = new Uint8Array(SNAPSHOT_HEADER_BYTES + 4 * total);
    const view = new DataView(bytes.buffer);
    writeSnapshotHeader(view, total, this.fingerprint);
    let off = SNAPSHOT_HEADER_BYTES;
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

