import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '@streamcell/config';
import { KafkaError } from '@streamcell/kafka';
import { JsonLogger, Metrics } from '@streamcell/observability';
import { trainerSchema } from '../src/config';
import { TrainerMetrics } from '../src/trainer.metrics';
import { TrainerService } from '../src/trainer.service';
import { World } from './fake-kafka';

it('a transient Kafka error while loading (after connecting) is retried, not the end of the trainer', async () => {
  const world = new World();
  world.install();
  world.topics.set('events', []);
  world.ends.set('events', 0);
  let failures = 1;
  // A broker blip right after connecting: the first ListOffsets on trainer.checkpoints fails, retriably.
  world.failEndOffsets = (topic) => (topic.includes('checkpoint') && failures-- > 0 ? new KafkaError('Connection error: connect ECONNREFUSED (broker restarting)', true) : undefined);
  const config = loadConfig(trainerSchema, { TRAINER_LAYERS: '4', LOG_LEVEL: 'error' });
  const service = new TrainerService(config, new TrainerMetrics(new Metrics('trainer')), new JsonLogger('trainer', 'error', () => undefined));
  await service.start();
  try {
    const since = Date.now();
    while (service.phase !== 'training' && service.phase !== 'failed' && Date.now() - since < 10_000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(service.phase, 'training', String(service.failedWith));
    assert.equal(service.trainer.head?.version, 1, 'bootstrapped once the load went through');
  } finally {
    await service.stop();
  }
});
