import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '@streamcell/config';
import { ingestSchema } from './config';
import { intakeFromConfig } from './event-intake';

it("keys a dead letter by the stream id the mapping finds (a nested field), not by a top-level 'stream'", () => {
  const config = loadConfig(ingestSchema, { INPUT_WIDTH: '2', TOPIC_EVENTS_DLQ: 'dlq' });
  const mapping = { stream: 'device.id', ts: 'ts', values: 'values', valueFields: [], end: 'end' };
  const item = { device: { id: 'pump-1' }, stream: 'kinesis-shard-3', values: [1] }; // one value short
  const batch = intakeFromConfig(config).build([item], mapping, { source: 'events.raw', receivedAt: Date.now(), rawOf: () => JSON.stringify(item), keyOf: () => 'record-key' });
  const letters = batch.writes.find((w) => w.topic === 'dlq')?.messages ?? [];
  assert.deepEqual(letters.map((m) => m.key), ['pump-1']);
});
