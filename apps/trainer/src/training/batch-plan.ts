import { SeededRandom, stateTensors, type WeightsBundle } from '@streamcell/model';
import { burnInStates, type Sequences, type ValidationSet } from './evaluation';
import { ModelSpace, type HeldEvent } from './model-space';
import type { StreamWindow } from './stream-windows';

/** One batch row: `steps` events of a window from `start`. */
export interface Segment {
  readonly window: StreamWindow;
  readonly start: number;
  /** Continues the stream's carried state and advances its cursor (vs a replay of older events). */
  readonly live: boolean;
  /** The window's `shifted` when the batch was planned: events keep arriving while it trains. */
  readonly shiftedAtPlan: number;
}

export interface PlanOptions {
  readonly steps: number;
  /** Newest events of each window kept out of training (the validation holdout). */
  readonly holdout: number;
  readonly batchSize: number;
}

/**
 * Streams with `steps` untrained events before their holdout continue from their carried state,
 * least recently trained first; free batch rows are filled with replays of older events from
 * random positions, newer positions more likely (the recent past says most about the next events,
 * which matters most right after a change), so a round can run its iterations even when little new
 * data arrived.
 */
export function planBatch(windows: readonly StreamWindow[], o: PlanOptions, rng: SeededRandom): Segment[] {
  const live: StreamWindow[] = [];
  const replay: StreamWindow[] = [];
  for (const w of windows) {
    const trainEnd = w.events.length - o.holdout - 1;
    if (trainEnd - w.cursor >= o.steps) live.push(w);
    else if (trainEnd >= o.steps) replay.push(w);
  }
  live.sort((a, b) => a.lastTrainedRound - b.lastTrainedRound);
  const out: Segment[] = live.slice(0, o.batchSize).map((w) => ({ window: w, start: w.cursor, live: true, shiftedAtPlan: w.shifted }));
  const pool = [...replay, ...live.slice(o.batchSize)];
  while (out.length < o.batchSize && pool.length > 0) {
    const w = pool.splice(Math.floor(rng.next() * pool.length), 1)[0];
    const last = w.events.length - o.holdout - 1 - o.steps;
    // max of two uniforms: density rising linearly towards the newest start.
    const u = Math.max(rng.next(), rng.next());
    out.push({ window: w, start: Math.min(last, Math.floor(u * (last + 1))), live: false, shiftedAtPlan: w.shifted });
  }
  return out;
}

/**
 * The batch in model space: inputs as the network sees them, targets as it should output them, and
 * each row's initial state (carried for live rows; a burn-in over up to `burnIn` earlier events for
 * replays; zeros otherwise).
 */
export function batchData(batch: readonly Segment[], bundle: WeightsBundle, steps: number, burnIn: number): Sequences & { initialStates: Float32Array[] } {
  const space = new ModelSpace(bundle.spec);
  const f = space.width;
  const o = space.outputs;
  const rows = batch.length;
  const inputs = new Float32Array(rows * steps * f);
  const targets = new Float32Array(rows * steps * o);
  const infos = stateTensors(bundle.spec);
  const initialStates = infos.map((st) => new Float32Array(rows * st.size));
  batch.forEach((seg, r) => {
    const ev = seg.window.events;
    modelInputs(space, ev, seg.start, steps, inputs, r * steps * f);
    for (let t = 0; t < steps; t++) space.target(ev[seg.start + t], ev[seg.start + t + 1], targets, (r * steps + t) * o);
    let init: Float32Array[] | null = null;
    if (seg.live) {
      init = seg.window.carried;
    } else {
      const from = Math.max(0, seg.start - burnIn);
      const n = seg.start - from;
      if (n > 0) init = burnInStates(bundle, 1, n, modelInputs(space, ev, from, n, new Float32Array(n * f), 0));
    }
    if (init !== null && init.length === infos.length && init.every((a, i) => a.length === infos[i].size)) {
      init.forEach((a, i) => initialStates[i].set(a, r * infos[i].size));
    }
  });
  return { streams: rows, steps, inputs, targets, initialStates };
}

/**
 * Live rows continue from where this batch ended: carried state, cursor and fairness round. The
 * batch ended at event start + steps as it was planned; every event that has left the window
 * since moved that one place closer to the front. When even the events after the batch left
 * (nothing trained links the carried state to what is there now), the stream starts from zeros.
 */
export function carryStates(batch: readonly Segment[], bundle: WeightsBundle, finalStates: readonly Float32Array[], steps: number, round: number): void {
  const infos = stateTensors(bundle.spec);
  batch.forEach((seg, r) => {
    if (!seg.live) return;
    const w = seg.window;
    const next = seg.start + steps - (w.shifted - seg.shiftedAtPlan);
    w.carried = next < 0 ? null : finalStates.map((a, i) => a.slice(r * infos[i].size, (r + 1) * infos[i].size));
    w.cursor = Math.max(0, next);
    w.lastTrainedRound = round;
  });
}

/** `n` events from `from` as the network sees them, written step after step into `out` at `at`. */
function modelInputs(space: ModelSpace, events: readonly HeldEvent[], from: number, n: number, out: Float32Array, at: number): Float32Array {
  for (let t = 0; t < n; t++) space.input(events[from + t], out, at + t * space.width);
  return out;
}

export interface ValidationPlan {
  /** Warm-up steps from a zero state before the scored ones (TBPTT's k2). */
  readonly warm: number;
  readonly holdout: number;
  /** Seasonal-naive period in events; 0 = none. */
  readonly seasonalPeriod: number;
  /** Most streams scored (bounds the evaluation cost). */
  readonly maxStreams: number;
}

/**
 * For each stream with enough events: `warm` warm-up steps, then the holdout (the newest events,
 * never trained on while they are in it); the period's worth of older events too when the gate
 * compares with seasonal-naive and the windows hold them. Null when no stream has enough events.
 */
export function planValidation(windows: readonly StreamWindow[], p: ValidationPlan): ValidationSet | null {
  const steps = p.warm + p.holdout;
  const eligible = windows.filter((w) => w.events.length >= steps + 1);
  if (eligible.length === 0) return null;
  const chosen = eligible.slice(-p.maxStreams);
  const period = p.seasonalPeriod;
  // Seasonal-naive needs the event one period before each scored one: when the windows hold
  // them, the validation slice starts that much earlier (as extra warm-up, never scored).
  const extra = period > 0 ? Math.max(0, period - 1 - p.warm) : 0;
  const seasonal = period > 0 && chosen.every((w) => w.events.length >= steps + 1 + extra);
  const from = steps + 1 + (seasonal ? extra : 0);
  return {
    streams: chosen.map((w) => w.events.slice(w.events.length - from)),
    warm: p.warm + (seasonal ? extra : 0),
    period: seasonal ? period : 0,
  };
}
