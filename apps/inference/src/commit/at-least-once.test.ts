import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MAX_REQUEST_BYTES, type KafkaConnection, type TopicMessages } from '@streamcell/kafka';
import type { CommitSnapshot } from '../partition-task';
import { AtLeastOnce } from './at-least-once';

it("writes a partition's outputs in sends under the broker's batch limit, in order, then commits the offset", async () => {
  const sends: TopicMessages[][] = [];
  const committed: string[] = [];
  const producer = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve(), send: (b: TopicMessages[]) => (sends.push(b), Promise.resolve()) };
  const guarantee = new AtLeastOnce({ producer: () => producer } as unknown as Pick<KafkaConnection, 'producer'>, 'events', (o) => (committed.push(...o.map((x) => x.offset)), Promise.resolve()));
  await guarantee.start();
  const state = Array.from({ length: 2000 }, (_, i) => ({ key: `s${i}`, value: Buffer.alloc(660, i % 256), partition: 1 }));
  await guarantee.committer(1).write({ records: [{ topic: 'inference.state', messages: state }], nextOffset: '2000' } as unknown as CommitSnapshot);
  assert.ok(sends.length >= 3);
  for (const s of sends) assert.ok(s.reduce((n, t) => n + t.messages.reduce((m, r) => m + (r.value as Buffer).length, 0), 0) <= MAX_REQUEST_BYTES);
  assert.deepEqual(sends.flatMap((s) => s.flatMap((t) => t.messages.map((m) => m.key))), state.map((m) => m.key), 'every record, in order');
  assert.deepEqual(committed, ['2000']);
});
