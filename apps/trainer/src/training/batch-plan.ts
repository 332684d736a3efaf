import { SeededRandom, stateTensors, type WeightsBundle } from '@streamcell/model';
import { burnInStates, type Sequences } from './evaluation';
import { ModelSpace } from './model-space';
import type { StreamWindow } from './stream-windows';

/** One batch row: `steps` events of a window from `start`. */
export interface Segment {
  readonly window: StreamWindow;
  readonly start: number;
  /** Continues the stream's carried state and advances its cursor (vs a replay of older events). */
  readonly live: boolean;
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
  const out: Segment[] = live.slice(0, o.batchSize).map((w) => ({ window: w, start: w.cursor, live: true }));
  const pool = [...replay, ...live.slice(o.batchSize)];
  while (out.length < o.batchSize && pool.length > 0) {
    const w = pool.splice(Math.floor(rng.next() * pool.length), 1)[0];
    const last = w.events.length - o.holdout - 1 - o.steps;
    // max of two uniforms: density rising linearly towards the newest start.
    const u = Math.max(rng.next(), rng.next());
    out.push({ window: w, start: Math.min(last, Math.floor(u * (last + 1))), live: false });
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
    for (let t = 0; t < steps; t++) {
      space.input(ev[seg.start + t], inputs, (r * steps + t) * f);
      space.target(ev[seg.start + t], ev[seg.start + t + 1], targets, (r * steps + t) * o);
    }
    let init: Float32Array[] | null = null;
    if (seg.live) {
      init = seg.window.carried;
    } else {
      const from = Math.max(0, seg.start - burnIn);
      const n = seg.start - from;
      if (n > 0) {
        const burn = new Float32Array(n * f);
        for (let t = 0; t < n; t++) space.input(ev[from + t], burn, t * f);
        init = burnInStates(bundle, 1, n, burn);
      }
    }
    if (init !== null && init.length === infos.length && init.every((a, i) => a.length === infos[i].size)) {
      init.forEach((a, i) => initialStates[i].set(a, r * infos[i].size));
    }
  });
  return { streams: rows, steps, inputs, targets, initialStates };
}

/** Live rows continue from where this batch ended: carried state, cursor and fairness round. */
export function carryStates(batch: readonly Segment[], bundle: WeightsBundle, finalStates: readonly Float32Array[], steps: number, round: number): void {
  const infos = stateTensors(bundle.spec);
  batch.forEach((seg, r) => {
    if (!seg.live) return;
    seg.window.carried = finalStates.map((a, i) => a.slice(r * infos[i].size, (r + 1) * infos[i].size));
    seg.window.cursor += steps;
    seg.window.lastTrainedRound = round;
  });
}
