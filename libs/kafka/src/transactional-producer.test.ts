import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { MAX_REQUEST_BYTES } from './message';
import { TransactionalProducer } from './transactional-producer';

/** A kafkajs whose transactions record each sendBatch's record bytes per topic-partition. */
function recordingKafka(): { kafka: Kafka; sends: Map<string, number>[]; committed: () => number } {
  const sends: Map<string, number>[] = [];
  let committed = 0;
  const transaction = {
    sendBatch: ({ topicMessages }: { topicMessages: { topic: string; messages: { partition?: number; value: Buffer }[] }[] }) => {
      const perPartition = new Map<string, number>();
      for (const t of topicMessages) for (const m of t.messages) perPartition.set(`${t.topic}/${m.partition}`, (perPartition.get(`${t.topic}/${m.partition}`) ?? 0) + m.value.length);
      sends.push(perPartition);
      return Promise.resolve([]);
    },
    sendOffsets: () => Promise.resolve(),
    commit: () => (committed++, Promise.resolve()),
    abort: () => Promise.resolve(),
  };
  const producer = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve(), transaction: () => Promise.resolve(transaction) };
  return { kafka: { producer: () => producer } as unknown as Kafka, sends, committed: () => committed };
}

it("keeps each send of a commit under the broker's batch limit, all in one transaction", async () => {
  const { kafka, sends, committed } = recordingKafka();
  const producer = new TransactionalProducer(kafka, { transactionalId: 't' });
  // 2,000 streams' state records on one changelog partition (~1.3 MB), and their predictions.
  const state = Array.from({ length: 2000 }, (_, i) => ({ key: `s${i}`, value: Buffer.alloc(660, 1), partition: 3 }));
  const predictions = Array.from({ length: 2000 }, (_, i) => ({ key: `s${i}`, value: Buffer.alloc(250, 2), partition: 3 }));
  await producer.commit([{ topic: 'inference.state', messages: state }, { topic: 'predictions', messages: predictions }], [{ groupId: 'g', topic: 'events', partition: 3, offset: '2000' }]);
  assert.equal(committed(), 1, 'one transaction');
  assert.ok(sends.length >= 3, `${sends.length} sends`);
  for (const s of sends) for (const [where, bytes] of s) assert.ok(bytes <= MAX_REQUEST_BYTES, `${where}: ${bytes} bytes in one send`);
  const total = (topic: string): number => sends.reduce((n, s) => n + (s.get(`${topic}/3`) ?? 0), 0);
  assert.deepEqual([total('inference.state'), total('predictions')], [2000 * 660, 2000 * 250], 'every record sent once');
});
