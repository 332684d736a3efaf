import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '@streamcell/config';
import type { KafkaAdmin, KafkaConnection, TransactionalProducer } from '@streamcell/kafka';
import { validateTrainerConfig } from '../app.factory';
import { trainerSchema } from '../config';
import { RunningStats } from '../training/running-stats';
import { bootstrapBundle } from './bootstrap';
import { CheckpointStore } from './checkpoint-store';

it('checkpoints every model the boot check lets through: a checkpoint also holds Adam\'s two moments', async () => {
  // 48 units: a bundle of ~46 kB against 64 kB passes boot; its checkpoint is ~3× that.
  const config = loadConfig(trainerSchema, { TRAINER_LAYERS: '48', MODEL_MAX_BYTES: '65536' });
  validateTrainerConfig(config);
  const working = bootstrapBundle(config);
  const moments = (): Record<string, Float32Array> => Object.fromEntries([...working.tensors].map(([name, t]) => [name, new Float32Array(t.length)]));
  let committed = 0;
  const writer = { commit: () => (committed++, Promise.resolve()) } as unknown as TransactionalProducer;
  const store = new CheckpointStore({} as KafkaConnection, {} as KafkaAdmin, writer, config);
  await store.write({
    modelName: config.modelName,
    headVersion: 1,
    working,
    optimizer: { step: 1, m: moments(), v: moments() },
    stats: new RunningStats(config.inputWidth).exportState(),
    counters: { rounds: 1, iterations: 1, updates: 1, published: 0, rejected: 0, events: 1, consecutiveRejections: 0 },
    createdAt: new Date().toISOString(),
  });
  assert.equal(committed, 1);
});
