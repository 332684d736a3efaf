import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBundle, SeededRandom, StreamTransform } from '@streamcell/model';
import { carryStates, planBatch } from './batch-plan';
import { ModelSpace } from './model-space';
import { StreamWindows } from './stream-windows';

const row = (v: number): Float32Array => Float32Array.of(v);

describe('StreamWindows', () => {
  it('keeps the last windowSize events per stream and moves the cursor with them', () => {
    const w = new StreamWindows({ windowSize: 3, maxStreams: 10, scalingHalfLife: 10 });
    for (let i = 0; i < 3; i++) w.add('a', row(i));
    const a = w.get('a')!;
    a.cursor = 2;
    a.carried = [Float32Array.of(9)];
    w.add('a', row(3));
    assert.deepEqual(a.events.map((e) => e.values[0]), [1, 2, 3]);
    assert.equal(a.cursor, 1, 'the trained prefix shrinks with the dropped event');
    assert.notEqual(a.carried, null);
    assert.equal(w.events, 3);
  });

  it('drops the carried state when an untrained event falls out (continuity lost) and counts it', () => {
    const w = new StreamWindows({ windowSize: 2, maxStreams: 10, scalingHalfLife: 10 });
    w.add('a', row(0));
    w.add('a', row(1));
    w.get('a')!.carried = [Float32Array.of(1)];
    w.add('a', row(2));
    assert.equal(w.get('a')!.carried, null);
    assert.equal(w.skippedEvents, 1);
  });

  it('bounds the streams, dropping the least recently seen first', () => {
    const w = new StreamWindows({ windowSize: 5, maxStreams: 2, scalingHalfLife: 10 });
    w.add('a', row(0));
    w.add('b', row(0));
    w.add('a', row(1)); // a is now more recent than b
    w.add('c', row(0));
    assert.deepEqual(w.all().map((x) => x.id), ['a', 'c']);
    assert.equal(w.evictedStreams, 1);
    assert.equal(w.events, 3);
  });

  it('forgets an ended stream and resets carried states on demand', () => {
    const w = new StreamWindows({ windowSize: 5, maxStreams: 5, scalingHalfLife: 10 });
    w.add('a', row(0));
    w.add('b', row(0));
    w.get('b')!.carried = [Float32Array.of(1)];
    assert.equal(w.remove('a'), true);
    assert.equal(w.remove('a'), false);
    w.resetStates();
    assert.equal(w.get('b')!.carried, null);
    assert.equal(w.streams, 1);
    assert.equal(w.events, 1);
  });

  it('keeps each stream\'s scaler location and scale after every event, as inference computes them', () => {
    const w = new StreamWindows({ windowSize: 100, maxStreams: 10, scalingHalfLife: 1e9 });
    for (const v of [1e6, 1e6 + 2, 1e6 - 2]) w.add('big', row(v));
    w.add('small', row(0.01));
    const big = w.get('big')!.events;
    assert.deepEqual([...big[0].stats], [1e6, 1], 'first event: location = value, scale = the floor (1e-6 × level)');
    assert.ok(Math.abs(big[2].stats[0] - 1e6) < 1e-3, 'mean of the three');
    assert.ok(Math.abs(big[2].stats[1] - Math.sqrt(8 / 3)) < 1e-3, 'population std of the three');
    assert.ok(Math.abs(w.get('small')!.events[0].stats[0] - 0.01) < 1e-9, 'each stream has its own scaler');
  });

  it('scales a stream as inference does: a large, slowly drifting stream gets the inputs the served model gets', () => {
    const spec = { cell: 'gru', layers: [4], inputWidth: 1, head: { units: 1 }, output: { kind: 'next-values', delta: true }, streamScaling: { halfLife: 200 } } as const;
    const bundle = createBundle({ name: 'm', spec, init: { seed: 1 } });
    const served = StreamTransform.of(bundle.spec)!;
    const aux = new Float32Array(served.auxSize);
    const windows = new StreamWindows({ windowSize: 10, maxStreams: 1, scalingHalfLife: 200 });
    const space = new ModelSpace(bundle.spec);
    const [inference, trainer] = [new Float32Array(1), new Float32Array(1)];
    let worst = 0;
    for (let t = 0; t < 3000; t++) {
      const x = Float32Array.of(1e6 + 0.01 * t);
      served.prepare(x, aux, 1, inference);
      windows.add('s', x);
      space.input(windows.get('s')!.events.at(-1)!, trainer, 0);
      worst = Math.max(worst, Math.abs(inference[0] - trainer[0]));
    }
    assert.ok(worst < 0.05, `the trainer's input was ${worst} away from inference's`);
  });

  it('carries the state to the event after the batch, although events left the window while it trained', () => {
    const windows = new StreamWindows({ windowSize: 20, maxStreams: 1, scalingHalfLife: 10 });
    for (let i = 0; i < 20; i++) windows.add('s', row(i)); // full, nothing trained: cursor 0
    const bundle = createBundle({ name: 'm', spec: { cell: 'gru', layers: [2], inputWidth: 1, head: { units: 1 } }, init: { seed: 1 } });
    const batch = planBatch(windows.all(), { steps: 8, holdout: 2, batchSize: 1 }, new SeededRandom(1));
    assert.deepEqual([batch[0]?.live, batch[0]?.start], [true, 0]);
    windows.add('s', row(20)); // arrives while the batch trains: event 0 leaves
    windows.add('s', row(21));
    carryStates(batch, bundle, [Float32Array.of(0.5, 0.5)], 8, 1);
    const w = windows.get('s')!;
    assert.equal(w.events[w.cursor]?.values[0], 8, 'the carried state is the one before event 8, and event 8 is next');
    assert.notEqual(w.carried, null);
  });
});
