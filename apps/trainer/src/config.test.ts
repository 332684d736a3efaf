import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '@streamcell/config';
import { validateTrainerConfig } from './app.factory';
import { trainerSchema } from './config';
import type { ConsumedMessage } from '@streamcell/kafka';
import { takeEvents, type EventResult } from './events-intake';
import { bootstrapSpec } from './model-ops/bootstrap';

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

describe('event intake', () => {
  it('reads event v1 and end markers as inference does, and counts everything else', () => {
    const seen: [string, readonly number[] | null][] = [];
    const results: EventResult[] = [];
    const trainer = {
      observe: (stream: string, values: readonly number[] | null) => {
        seen.push([stream, values]);
        return values === null ? ('ended' as const) : ('ok' as const);
      },
    };
    const record = (value: string | null): ConsumedMessage => ({ topic: 'events', partition: 0, offset: '0', key: null, value: value === null ? null : Buffer.from(value), headers: {}, timestamp: 0 });
    const values = [
      '{"stream":"a","ts":1,"values":[1,2]}',
      '{"stream":"a","ts":1,"values":[],"end":true}',
      '{',
      '{"values":[1,2],"ts":1}',
      '{"stream":"a","ts":1,"values":["1",2]}',
      '{"stream":"a","ts":1,"values":[1]}',
      '[]',
      null,
    ];
    takeEvents(trainer, values.map(record), 2, (r) => results.push(r));
    assert.deepEqual(seen, [
      ['a', [1, 2]],
      ['a', null],
    ]);
    assert.deepEqual(results, ['ok', 'ended', 'malformed', 'malformed', 'not_finite', 'width', 'malformed', 'malformed']);
  });
});
