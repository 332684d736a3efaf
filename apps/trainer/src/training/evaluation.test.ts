import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle, type ModelSpec } from '@streamcell/model';
import { burnInStates, scoreVersion } from './evaluation';
import { StreamWindows } from './stream-windows';

const spec: ModelSpec = { cell: 'lstm', layers: [5], inputWidth: 1, head: { units: 1 }, output: { kind: 'next-values', delta: true }, streamScaling: { halfLife: 20 } };

/** Streams of very different magnitudes, each a noisy sine; events as the trainer holds them. */
function held(levels: readonly number[], steps: number): StreamWindows {
  const w = new StreamWindows({ windowSize: steps, maxStreams: 100, scalingHalfLife: 20 });
  for (let t = 0; t < steps; t++) levels.forEach((l, s) => w.add(`s${s}`, Float32Array.of(l * (1 + 0.1 * Math.sin(0.4 * t + s)))));
  return w;
}

describe('scoreVersion', () => {
  const windows = held([0.01, 1, 1e3, 1e6], 60);
  const set = { streams: windows.all().map((w) => w.events), warm: 20, period: 0 };

  it('scores a fresh change-forecasting model as exactly last-value on streams of any magnitude', () => {
    const fresh = createBundle({ name: 'x', spec, init: { seed: 4 } });
    const q = scoreVersion(fresh, set);
    assert.equal(q.streams, 4);
    assert.equal(q.medianRatio, 1);
    assert.equal(q.p90Ratio, 1);
    assert.equal(q.worseShare, 0);
  });

  it('judges each stream in its own units: a model that is bad everywhere is worse on every stream', () => {
    const tensors = createBundle({ name: 'x', spec, init: { seed: 4 } }).tensors;
    const bias = new Map(tensors);
    bias.set('head/bias', Float32Array.of(3)); // always forecasts +3 scales of change
    const q = scoreVersion(createBundle({ name: 'x', spec, tensors: bias }), set);
    assert.ok(q.medianRatio > 2, `median ${q.medianRatio}`);
    assert.equal(q.worseShare, 1, 'the 0.01 stream counts as much as the 1e6 one');
  });

  it('compares with seasonal-naive when a period is given', () => {
    const fresh = createBundle({ name: 'x', spec, init: { seed: 4 } });
    const q = scoreVersion(fresh, { ...set, period: 16 });
    assert.ok(q.seasonalMedianRatio !== null && q.seasonalMedianRatio > 0);
  });

  it('burn-in states equal the states reached by stepping from zero', () => {
    const b = createBundle({ name: 'x', spec, init: { seed: 4 } });
    const inputs = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const one = burnInStates(b, 1, 12, inputs);
    assert.equal(one.length, 2, 'h and c');
    assert.ok(one[0].some((v) => v !== 0));
    assert.deepEqual(burnInStates(b, 1, 0, new Float32Array(0)).map((a) => [...a]), [new Array<number>(5).fill(0), new Array<number>(5).fill(0)]);
  });
});

describe('ModelSpace', () => {
  it('clips change targets after a flat stretch, where the stream\'s scale is tiny', async () => {
    const { ModelSpace } = await import('./model-space');
    const w = new StreamWindows({ windowSize: 100, maxStreams: 1, scalingHalfLife: 20 });
    for (let t = 0; t < 50; t++) w.add('s', Float32Array.of(0));
    w.add('s', Float32Array.of(1e7));
    const events = w.get('s')!.events;
    const space = new ModelSpace(createBundle({ name: 'x', spec }).spec);
    const out = new Float32Array(1);
    space.target(events[48], events[49], out, 0);
    assert.equal(out[0], 0);
    space.target(events[49], events[50], out, 0);
    assert.equal(out[0], 8, 'a 1e7 jump from an exactly flat stream is 8 scales, not 1e19');
  });
});
