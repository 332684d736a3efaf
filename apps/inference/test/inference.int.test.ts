import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { dlqHeaders } from '@streamcell/events';
import { partitionOfKey } from '@streamcell/kafka';
import { TopicReader, waitFor } from '@streamcell/testing';
import { createInferenceApp } from '../src/app.factory';
import type { InferenceConfig } from '../src/config';
import {
  assertClose,
  bundle,
  createTopics,
  encodeBundle,
  inferenceTestConfig,
  offline,
  predictionOf,
  signal,
  TestProducer,
  type Prediction,
  type TestEvent,
} from './support';

/** The metric's value summed over all its series (labelled series are initialised at zero). */
const metricValue = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return lines.length === 0 ? NaN : lines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
};

describe('inference against a real broker', () => {
  let config: InferenceConfig;
  let app: NestFastifyApplication;
  let url: string;
  let producer: TestProducer;
  let predictions: TopicReader;
  const v1 = bundle(1, 1);
  const v2 = bundle(2, 2);
  const streams = ['s0', 's1', 's2', 's3', 's4'];

  const events = (from: number, to: number): TestEvent[] => {
    const out: TestEvent[] = [];
    for (let step = from; step < to; step++) streams.forEach((s, i) => out.push({ stream: s, ts: 1_700_000_000_000 + step, values: signal(i, step) }));
    return out;
  };
  const send = (evs: TestEvent[]) => producer.send(config.events, evs.map((e) => ({ key: e.stream, value: JSON.stringify(e) })));
  const byStream = (): Map<string, Prediction[]> => {
    const m = new Map<string, Prediction[]>();
    for (const p of predictions.messages.map(predictionOf)) {
      let l = m.get(p.stream);
      if (l === undefined) m.set(p.stream, (l = []));
      l.push(p);
    }
    for (const l of m.values()) l.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
    return m;
  };

  before(async () => {
    config = inferenceTestConfig();
    await createTopics(config);
    producer = new TestProducer(config);
    await producer.connect();
    app = await createInferenceApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
    await waitFor('weights topic', async () => (await fetch(`${url}/health/ready`)).status === 503 && (await fetch(`${url}/metrics`)).ok);
    predictions = await new TopicReader(config, config.predictions).start();
  });

  after(async () => {
    await predictions.stop();
    await producer.disconnect();
    await app.close();
  });

  it('stays not ready without a model, and says why', async () => {
    const res = await fetch(`${url}/health/ready`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /no model loaded/);
  });

  it('predicts exactly what the model gives offline over the same events, per stream in order', async () => {
    await producer.send(config.modelWeights, [{ key: 'm', value: encodeBundle(v1) }]);
    await waitFor('ready', async () => (await fetch(`${url}/health/ready`)).status === 200, { timeoutMs: 60_000 });
    const phase1 = events(0, 30);
    await send(phase1);
    await predictions.waitForCount(phase1.length, 60_000);
    const expected = await offline([{ bundle: v1, events: phase1 }]);
    const got = byStream();
    for (const s of streams) {
      const list = got.get(s)!;
      assert.equal(list.length, 30, `${s}: one prediction per event`);
      list.forEach((p, k) => {
        assert.equal(p.model.version, 1);
        assert.equal(p.ts, 1_700_000_000_000 + k);
        assertClose(p.output, expected.get(s)![k], 1e-5, `${s} step ${k}`);
      });
    }
  });

  it('dead-letters invalid events on the events topic without stalling the partition', async () => {
    const dlq = await new TopicReader(config, config.eventsDlq).start();
    try {
      await producer.send(config.events, [
        { key: 's0', value: '{"stream":"s0","ts":1,"values":[1]}' },
        { key: 's1', value: 'not json' },
        // A producer with another partitioner: the stream's state would be split over two workers.
        { key: 'mis', value: '{"stream":"mis","ts":1,"values":[1,2]}', partition: (partitionOfKey('mis', config.eventsPartitions) + 1) % config.eventsPartitions },
      ]);
      const dead = await dlq.waitForCount(3);
      assert.deepEqual(dead.map((m) => m.headers[dlqHeaders.reason]).sort(), ['malformed_json', 'misrouted', 'values_width']);
      const misrouted = dead.find((m) => m.headers[dlqHeaders.reason] === 'misrouted');
      assert.equal(misrouted?.value?.toString(), '{"stream":"mis","ts":1,"values":[1,2]}');
      assert.match(misrouted?.headers[dlqHeaders.detail] ?? '', /belongs on partition \d+ of 4/);
      assert.match(dead[0].headers[dlqHeaders.origin] ?? '', new RegExp(`^${config.events.replace(/\./g, '\\.')}/`));
    } finally {
      await dlq.stop();
    }
  });

  it('refuses a corrupt weights message and keeps serving; swaps in a valid new version keeping states', async () => {
    const refusedBefore = await metricValue(url, 'streamcell_inference_weights_refused_total');
    const corrupt = Buffer.from(encodeBundle(v2));
    corrupt[corrupt.length - 1] ^= 0xff; // flips data bits: the checksum no longer matches
    await producer.send(config.modelWeights, [{ key: 'm', value: corrupt }]);
    await waitFor('refusal counted', async () => (await metricValue(url, 'streamcell_inference_weights_refused_total')) > refusedBefore);
    assert.equal(await metricValue(url, 'streamcell_inference_model_version'), 1);
    assert.equal((await fetch(`${url}/health/ready`)).status, 200, 'still serving');

    const n = predictions.messages.length;
    const phase2 = events(30, 35);
    await send(phase2);
    await predictions.waitForCount(n + phase2.length);

    await producer.send(config.modelWeights, [{ key: 'm', value: encodeBundle(v2) }]);
    await waitFor('v2 in use', async () => (await metricValue(url, 'streamcell_inference_model_version')) === 2);
    const phase3 = events(35, 40);
    await send(phase3);
    await predictions.waitForCount(n + phase2.length + phase3.length);

    const expected = await offline([{ bundle: v1, events: [...events(0, 30), ...phase2] }, { bundle: v2, events: phase3 }]);
    const got = byStream();
    for (const s of streams) {
      const list = got.get(s)!;
      assert.equal(list.length, 40);
      assert.deepEqual(list.slice(30, 35).map((p) => p.model.version), [1, 1, 1, 1, 1]);
      assert.deepEqual(list.slice(35).map((p) => p.model.version), [2, 2, 2, 2, 2]);
      list.forEach((p, k) => assertClose(p.output, expected.get(s)![k], 1e-5, `${s} step ${k}`));
    }
  });

  it('drops a stream on "end", writes a tombstone, and starts it fresh', async () => {
    const n = predictions.messages.length;
    // Wait for the tombstone before the stream comes back: changes are coalesced per commit, so
    // an end and a fresh start committed together leave only the fresh state on the changelog.
    const state = await new TopicReader(config, config.inferenceState).start();
    try {
      await producer.send(config.events, [{ key: 's0', value: JSON.stringify({ stream: 's0', ts: 5, end: true }) }]);
      await waitFor('tombstone for s0', () => state.messages.some((m) => m.key?.toString() === 's0' && m.value === null));
    } finally {
      await state.stop();
    }
    const fresh: TestEvent[] = [0, 1, 2].map((k) => ({ stream: 's0', ts: 10 + k, values: signal(9, k) }));
    await send(fresh);
    await predictions.waitForCount(n + 3);
    const expected = await offline([{ bundle: v2, events: fresh }]);
    const after = byStream().get('s0')!.slice(-3);
    after.forEach((p, k) => assertClose(p.output, expected.get('s0')![k], 1e-5, `fresh s0 step ${k}`));
  });

  it('exports its metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const name of [
      'streamcell_inference_events_processed_total',
      'streamcell_inference_step_batch_size_bucket',
      'streamcell_inference_step_duration_seconds_bucket',
      'streamcell_inference_end_to_end_latency_seconds_bucket',
      'streamcell_inference_commit_duration_seconds_bucket',
      'streamcell_inference_consumer_lag',
      'streamcell_inference_state_streams',
      'streamcell_inference_restore_duration_seconds_bucket',
      'streamcell_inference_model_version',
      'streamcell_inference_dlq_total',
    ]) {
      assert.match(text, new RegExp(`^${name}`, 'm'), name);
    }
    assert.match(text, /^streamcell_inference_misrouted_events_total\{[^}]*\} 1$/m);
    assert.match(text, /^streamcell_inference_stream_resets_total\{reason="state_not_finite"[^}]*\} 0$/m);
  });
});
