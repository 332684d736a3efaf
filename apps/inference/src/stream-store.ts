import { StateTableError, type EvictionEvent, type StreamingModel } from '@streamcell/model';
import { newResidualState, type ResidualState } from './residual-detector';
import { decodeStateRecord, encodeStateRecord, StateRecordError } from './state-record';
import type { HostStateCache } from './state-tiers/host-cache';

/**
 * Where each stream's state lives. Hot streams have their recurrent state in the model's state
 * table (on the engine's device) and their alert state in `residuals`; streams evicted from the
 * table (idle or least recently used) and streams restored from the changelog but not yet seen
 * wait in the host tiers (HostStateCache: bounded memory, then disk) as encoded changelog records,
 * and move back on their next event. So a stream that returns after eviction resumes exactly where
 * it was, and memory stays bounded however many streams a worker holds.
 */
export class StreamStore {
  private model: StreamingModel | undefined;
  private readonly residuals = new Map<string, ResidualState>();
  /** When each hot stream last had an event (for the state TTL and for its record once evicted). */
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly host: HostStateCache,
    private readonly onEvicted: (reason: string) => void = () => undefined,
  ) {}

  attach(model: StreamingModel): void {
    this.model = model;
  }

  /** For StreamingModel's onEvict: keeps an evicted stream's full record in the host tiers. */
  readonly evict = (e: EvictionEvent): void => {
    if (e.reason === 'removed') return;
    const residual = this.residuals.get(e.streamId) ?? newResidualState();
    this.host.put(e.streamId, { bytes: encodeStateRecord({ state: e.state, residual }), lastSeen: this.lastSeen.get(e.streamId) ?? Date.now() });
    this.residuals.delete(e.streamId);
    this.lastSeen.delete(e.streamId);
    this.onEvicted(e.reason);
  };

  get hotCount(): number {
    return this.table().size;
  }

  /** Streams whose record is in host memory. */
  get coldCount(): number {
    return this.host.memoryCount;
  }

  /** Streams whose record is on disk. */
  get diskCount(): number {
    return this.host.diskCount;
  }

  /** Makes the stream hot (restoring it from the host tiers if needed) and returns its alert state. */
  ensureHot(stream: string, now: number): ResidualState {
    this.lastSeen.set(stream, now);
    const table = this.table();
    if (table.has(stream)) {
      // Most recently used now: reviving another stream of this wave must not evict this one
      // before the step (it would be stepped from a zero state).
      table.acquire(stream, now);
      let r = this.residuals.get(stream);
      if (r === undefined) this.residuals.set(stream, (r = newResidualState()));
      return r;
    }
    const held = this.host.get(stream);
    let residual = newResidualState();
    if (held !== undefined) {
      try {
        residual = this.revive(stream, held.bytes, now);
      } catch (e) {
        // A record that no longer fits (written by a model of another architecture) or is
        // unreadable: the stream starts over from the zero state rather than stalling. Anything
        // else (the eviction this revival caused could not spill) is not the record's fault: the
        // record is kept and the error goes up, rather than losing the stream's state.
        if (!(e instanceof StateRecordError || e instanceof StateTableError)) throw e;
        this.table().remove(stream);
      }
      this.host.delete(stream);
    }
    this.residuals.set(stream, residual);
    return residual;
  }

  /** The stream's changelog record, or null when it has no state (ended, expired, never seen). */
  record(stream: string): Uint8Array | null {
    const snapshot = this.model?.table.snapshot(stream);
    if (snapshot !== undefined) return encodeStateRecord({ state: snapshot, residual: this.residuals.get(stream) ?? newResidualState() });
    return this.host.get(stream)?.bytes ?? null;
  }

  /**
   * Sets a stream's state from a changelog record (null = no state). The record carries no time,
   * so a restored stream counts as seen `now` for the state TTL.
   */
  put(stream: string, record: Uint8Array | null, now = Date.now()): void {
    this.forgetHot(stream);
    if (record === null) this.host.delete(stream);
    else this.host.put(stream, { bytes: record, lastSeen: now });
  }

  drop(stream: string): void {
    this.put(stream, null);
  }

  /** Drops many streams at once (a revoked partition's): one disk transaction, not one each. */
  dropAll(streams: Iterable<string>): void {
    const all = [...streams];
    for (const s of all) this.forgetHot(s);
    this.host.deleteMany(all);
  }

  /**
   * The state TTL: drops streams without an event for `ttlMs` (hot ones and those in the host
   * tiers, at most `limit` per call) and returns them; the caller tombstones them in the changelog.
   */
  expire(now: number, ttlMs: number, limit: number): string[] {
    const cutoff = now - ttlMs;
    const out: string[] = [];
    for (const [stream, seen] of this.lastSeen) {
      if (out.length >= limit) break;
      if (seen < cutoff) out.push(stream);
    }
    for (const s of out) this.forgetHot(s);
    if (out.length < limit) out.push(...this.host.takeSeenBefore(cutoff, limit - out.length));
    return out;
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
    this.host.clear();
    this.residuals.clear();
    this.lastSeen.clear();
  }

  private forgetHot(stream: string): void {
    if (this.model !== undefined) this.table().remove(stream);
    this.residuals.delete(stream);
    this.lastSeen.delete(stream);
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
