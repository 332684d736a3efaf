/**
 * Staging rows reserved after the table (times STAGING_SETS): batches up to this size gather and
 * scatter by memmove. Reserved, not touched: ArrayBuffer memory is zero-filled lazily by the OS, so
 * rows a deployment never stages never become resident.
 */
const MAX_STAGING_ROWS = 16_384;
/** Staging sets: the gathered states, and the kernel's new states (kept apart so ORT can write them directly). */
const STAGING_SETS = 2;

/**
 * The state table's float storage: one ArrayBuffer holding every state tensor ([capacity, size],
 * slot-major, exposed as `buffers`) followed by a staging area, so that copying a stream's row into
 * a batch and back is one `copyWithin` (a native memmove) per row and tensor. A per-element JS loop
 * was the largest cost of a batched step at batch 1024 (1.1–1.3 ms of 3–4 ms for LSTM-128 over
 * 100k streams; memmove: 0.3–0.4 ms).
 */
export class StateMemory {
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

  constructor(
    capacity: number,
    private readonly stateSizes: readonly number[],
  ) {
    const floats = stateSizes.reduce((a, b) => a + b, 0);
    this.offsets = stateSizes.map((_, i) => capacity * stateSizes.slice(0, i).reduce((a, b) => a + b, 0));
    this.stagingAt = capacity * floats;
    const rows = Math.min(capacity, MAX_STAGING_ROWS);
    const memory = allocate(this.stagingAt + STAGING_SETS * rows * floats);
    this.memory = memory;
    this.stagingRows = memory === null ? 0 : rows;
    this.buffers = stateSizes.map((s, i) => (memory === null ? new Float32Array(capacity * s) : memory.subarray(this.offsets[i], this.offsets[i] + capacity * s)));
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
