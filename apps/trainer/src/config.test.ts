import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '@streamcell/config';
import { validateTrainerConfig } from './app.factory';
import { trainerSchema } from './config';
import { bootstrapSpec, parseEvent } from './trainer.service';

describe('trainer configuration', () => {
  it('parses the defaults into a bootstrap spec of LSTM 64 forecasting the change of every feature, scaled per stream', () => {
    const c = loadConfig(trainerSchema, {});
    assert.doesNotThrow(() => validateTrainerConfig(c));
    const spec = bootstrapSpec(c);
    assert.deepEqual([spec.cell, spec.layers, spec.inputWidth, spec.head.units], ['lstm', [64], 8, 8]);
    assert.deepEqual(spec.output, { kind: 'next-values', delta: true });
    assert.deepEqual(spec.streamScaling, { halfLife: 200 });
    assert.deepEqual(spec.adaptation, { halfLife: 120 });
    assert.equal(spec.normalization, undefined, 'no statistics shared by every stream');
    assert.equal(spec.seasonality, undefined);
    assert.deepEqual(bootstrapSpec(loadConfig(trainerSchema, { TRAINER_SEASONAL_PERIOD: '288' })).seasonality, { period: 288 });
    const raw = bootstrapSpec(loadConfig(trainerSchema, { TRAINER_SCALING: 'none', TRAINER_FORECAST: 'level' }));
    assert.deepEqual([raw.streamScaling, raw.adaptation, raw.output], [undefined, undefined, { kind: 'next-values', delta: false }]);
  });

  it('names every inconsistent setting at once', () => {
    const c = loadConfig(trainerSchema, { TRAINER_K1: '40', TRAINER_K2: '8', TRAINER_LAYERS: '16,x', TRAINER_HEAD_UNITS: '9', TRAINER_WINDOW_SIZE: '8' });
    assert.throws(
      () => validateTrainerConfig(c),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.some((p) => p.includes('TRAINER_K2=8 must be >= TRAINER_K1=40')) &&
        e.problems.some((p) => p.includes('TRAINER_LAYERS=16,x')) &&
        e.problems.some((p) => p.includes('TRAINER_HEAD_UNITS=9')) &&
        e.problems.some((p) => p.includes('TRAINER_WINDOW_SIZE=8')),
    );
    assert.throws(() => loadConfig(trainerSchema, { TRAINER_PUBLISH_MARGIN: '1.5' }), /TRAINER_PUBLISH_MARGIN/);
  });

  it('refuses at boot a bootstrap model that cannot fit MODEL_MAX_BYTES', () => {
    const c = loadConfig(trainerSchema, { TRAINER_LAYERS: '512,512', MODEL_MAX_BYTES: '65536' });
    assert.throws(() => validateTrainerConfig(c), /the bootstrap bundle is \d+ bytes, over the limit of 64512 bytes/);
  });
});

describe('parseEvent', () => {
  it('reads event v1 and end markers, and nothing else', () => {
    assert.deepEqual(parseEvent(Buffer.from('{"stream":"a","ts":1,"values":[1,2]}')), { stream: 'a', values: [1, 2], end: false });
    assert.deepEqual(parseEvent(Buffer.from('{"stream":"a","ts":1,"values":[],"end":true}')), { stream: 'a', values: [], end: true });
    for (const bad of ['{', '{"values":[1]}', '{"stream":"a","values":["1"]}', '[]']) assert.equal(parseEvent(Buffer.from(bad)), null, bad);
    assert.equal(parseEvent(null), null);
  });
});
