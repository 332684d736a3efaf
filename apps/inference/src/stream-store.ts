import type { EvictionEvent, StreamingModel } from '@streamcell/model';
import { newResidualState, type ResidualState } from './residual-detector';
import { decodeStateRecord, encodeStateRecord } from './state-record';

/**
 * Where each stream's state lives. Hot streams have their recurrent state in the model's state
 * table (on the engine's device) and their alert state in `residuals`; streams evicted from the
 * table (idle or least recently used) and streams restored from the changelog but not yet seen
 * wait in host memory as encoded changelog records, and move back on their next event. So a
 * stream that returns after eviction resumes exactly where it was.
 */
export class StreamStore {
  private model: StreamingModel | undefined;
  private readonly cold = new Map<string, Uint8Array>();
  private readonly residuals = new Map<string, ResidualState>();

  constructor(private readonly onEvicted: (reason: string) => void = () => undefined) {}

  attach(model: StreamingModel): void {
    this.model = model;
  }

  /** For StreamingModel's onEvict: keeps an evicted stream's full record in host memory. */
  readonly evict = (e: EvictionEvent): void => {
    if (e.reason === 'removed') return;
    const residual = this.residuals.get(e.streamId) ?? newResidualState();
    this.cold.set(e.streamId, encodeStateRecord({ state: e.state, residual }));
    this.residuals.delete(e.streamId);
    this.onEvicted(e.reason);
  };

  get hotCount(): number {
    return this.table().size;
  }

  get coldCount(): number {
    return this.cold.size;
  }

  /** Makes the stream hot (restoring it from host memory if needed) and returns its alert state. */
  ensureHot(stream: string, now: number): ResidualState {
    const table = this.table();
    if (table.has(stream)) {
      let r = this.residuals.get(stream);
      if (r === undefined) this.residuals.set(stream, (r = newResidualState()));
      return r;
    }
    const bytes = this.cold.get(stream);
    let residual = newResidualState();
    if (bytes !== undefined) {
      try {
        residual = this.revive(stream, bytes, now);
      } catch {
        // A record that no longer fits (written by a model of another architecture) or is
        // unreadable: the stream starts over from the zero state rather than stalling.
        this.table().remove(stream);
      }
    }
    this.cold.delete(stream);
    this.residuals.set(stream, residual);
    return residual;
  }

  /** The stream's changelog record, or null when it has no state (ended, never seen). */
  record(stream: string): Uint8Array | null {
    const snapshot = this.table().snapshot(stream);
    if (snapshot !== undefined) return encodeStateRecord({ state: snapshot, residual: this.residuals.get(stream) ?? newResidualState() });
    return this.cold.get(stream) ?? null;
  }

  /** Sets a stream's state from a changelog record (null = no state). */
  put(stream: string, record: Uint8Array | null): void {
    this.table().remove(stream);
    this.residuals.delete(stream);
    if (record === null) this.cold.delete(stream);
    else this.cold.set(stream, record);
  }

  drop(stream: string): void {
    this.put(stream, null);
  }

  /**
   * Whether a hot stream's recurrent state is all finite numbers. A state that overflowed (to
   * ±Infinity, then NaN) never recovers: every later step and forecast of the stream would be
   * NaN, and the changelog would carry it across restarts. Reads the table in place (no copy).
   */
  hasFiniteState(stream: string): boolean {
    const table = this.table();
    const slot = table.slotOf(stream);
    if (slot === undefined) return true;
    for (let i = 0; i < table.buffers.length; i++) {
      const size = table.stateSizes[i];
      const buf = table.buffers[i];
      for (let j = slot * size, end = j + size; j < end; j++) if (!Number.isFinite(buf[j])) return false;
    }
    return true;
  }

  /** Forgets every stream (the model's architecture changed: old states do not fit). */
  clear(): void {
    this.cold.clear();
    this.residuals.clear();
  }

  private table() {
    if (this.model === undefined) throw new Error('StreamStore used before a model was attached');
    return this.model.table;
  }

  private revive(stream: string, bytes: Uint8Array, now: number): ResidualState {
    const record = decodeStateRecord(bytes);
    this.table().restore(stream, record.state, now);
    return record.residual;
  }
}
