import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '@streamcell/config';
import { KafkaConnection, type TransactionalProducer } from '@streamcell/kafka';
import { JsonLogger } from '@streamcell/observability';
import { trainerSchema } from '../src/config';
import { checkpointKey, CheckpointStore } from '../src/model-ops/checkpoint-store';
import { World } from './fake-kafka';

const quiet = new JsonLogger('trainer', 'error', () => undefined);

function storeFor(weightsTopic: string): CheckpointStore {
  const config = loadConfig(trainerSchema, { TOPIC_MODEL_WEIGHTS: weightsTopic, LOG_LEVEL: 'error' });
  const connection = new KafkaConnection(config, quiet, 'trainer');
  return new CheckpointStore(connection, connection.admin(), {} as TransactionalProducer, config);
}

it('two trainers of one model name on different weights topics each resume from their own checkpoint', async () => {
  const world = new World();
  world.install();
  // Written by an earlier release (the model name alone), then by two trainers of "default".
  world.append('trainer.checkpoints', [{ key: 'default', value: 'legacy' }]);
  world.append('trainer.checkpoints', [{ key: 'weights.a/default', value: 'a' }]);
  world.append('trainer.checkpoints', [{ key: 'weights.b/default', value: 'b' }, { key: 'weights.b/default/lease', value: '{}' }]);
  assert.equal(checkpointKey({ modelWeights: 'weights.a', modelName: 'default' }), 'weights.a/default');
  assert.equal((await storeFor('weights.a').readNewest(() => false))?.toString(), 'a');
  assert.equal((await storeFor('weights.b').readNewest(() => false))?.toString(), 'b');
  // A trainer that has not checkpointed since the upgrade resumes from the model name's record.
  assert.equal((await storeFor('model.weights').readNewest(() => false))?.toString(), 'legacy');
});
