import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createBundle, type ModelSpec } from '@streamcell/model';
import { ModelSpace, type HeldEvent } from './model-space';

const spec = (extra: Partial<ModelSpec>): ModelSpec => ({ cell: 'gru', layers: [4], inputWidth: 1, head: { units: 1 }, output: { kind: 'next-values', delta: true }, ...extra });
const held = (value: number, location: number, scale: number): HeldEvent => ({ values: Float32Array.of(value), stats: Float32Array.of(location, scale) });

it('clips targets to 8 of the stream\'s scales, and raw targets (no scaling) not at all in any usual range', () => {
  const out = new Float32Array(1);
  const scaled = new ModelSpace(createBundle({ name: 'm', spec: spec({ streamScaling: { halfLife: 50 } }), init: { seed: 1 } }).spec);
  scaled.target(held(100, 100, 1), held(130, 110, 2), out, 0);
  assert.equal(out[0], 8, 'a jump of 30 scales is clipped');
  const raw = new ModelSpace(createBundle({ name: 'm', spec: spec({}), init: { seed: 1 } }).spec);
  raw.target(held(100, 0, 0), held(130, 0, 0), out, 0);
  assert.equal(out[0], 30, 'in raw units a change of 30 is the target, not 8');
  raw.target(held(0, 0, 0), held(1e30, 0, 0), out, 0);
  assert.equal(out[0], Math.fround(1e12), 'still bounded, so the squared error stays finite');
});
