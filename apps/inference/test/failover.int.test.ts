import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@streamcell/config';
import { exited, tempDir, TopicReader, waitFor } from '@streamcell/testing';
import { createInferenceApp } from '../src/app.factory';
import { inferenceSchema, type InferenceConfig } from '../src/config';
import {
  assertClose,
  bundle,
  createTopics,
  encodeBundle,
  inferenceTestEnv,
  offline,
  predictionOf,
  signal,
  TestProducer,
  type Prediction,
  type TestEvent,
} from './support';

const v1 = bundle(1, 7);

function makeEvents(streams: number, from: number, to: number): TestEvent[] {
  const out: TestEvent[] = [];
  for (let step = from; step < to; step++) for (let s = 0; s < streams; s++) out.push({ stream: `f${s}`, ts: 1_700_000_000_000 + step, values: signal(s, step) });
  return out;
}

/**
 * Every stream's committed predictions, in offset order, must be exactly the offline sequence:
 * same values (1e-6 on the JSON-carried float32s), no duplicate offsets, no gaps.
 */
async function assertExactlyOnce(predictions: Prediction[], events: TestEvent[]): Promise<void> {
  const expected = await offline([{ bundle: v1, events }]);
  const byStream = new Map<string, Prediction[]>();
  for (const p of predictions) {
    let l = byStream.get(p.stream);
    if (l === undefined) byStream.set(p.stream, (l = []));
    l.push(p);
  }
  for (const [stream, want] of expected) {
    const got = (byStream.get(stream) ?? []).sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
    const offsets = got.map((p) => p.offset);
    assert.equal(new Set(offsets).size, offsets.length, `${stream}: duplicate predictions for one event`);
    assert.equal(got.length, want.length, `${stream}: one prediction per event (no gaps)`);
    got.forEach((p, k) => assertClose(p.output, want[k], 1e-6, `${stream} step ${k}`));
  }
}

async function setup(env: Record<string, string>): Promise<{ config: InferenceConfig; producer: TestProducer }> {
  const config = loadConfig(inferenceSchema, env);
  await createTopics(config);
  const producer = new TestProducer(config);
  await producer.connect();
  await producer.send(config.modelWeights, [{ key: 'm', value: encodeBundle(v1) }]);
  return { config, producer };
}

const send = (producer: TestProducer, config: InferenceConfig, evs: TestEvent[]) =>
  producer.send(config.events, evs.map((e) => ({ key: e.stream, value: JSON.stringify(e) })));

describe('inference failover', () => {
  it('splits partitions between two workers and hands states over when one stops', async () => {
    // Two threads per worker: four group members, each partition still with one owner.
    const env = inferenceTestEnv({ EVENTS_PARTITIONS: '6', INFERENCE_THREADS: '2' });
    const config = loadConfig(inferenceSchema, env);
    await createTopics(config);
    const producer = new TestProducer(config);
    await producer.connect();
    const apps: NestFastifyApplication[] = [];
    const reader = new TopicReader(config, config.predictions);
    try {
      for (let i = 0; i < 2; i++) {
        const app = await createInferenceApp(config);
        await app.listen({ port: 0, host: '127.0.0.1' });
        apps.push(app);
      }
      await producer.send(config.modelWeights, [{ key: 'm', value: encodeBundle(v1) }]);
      const urls = await Promise.all(apps.map((a) => a.getUrl()));
      await waitFor('both ready', async () => (await Promise.all(urls.map((u) => fetch(`${u}/health/ready`)))).every((r) => r.status === 200), { timeoutMs: 60_000 });
      await reader.start();
      const phase1 = makeEvents(12, 0, 20);
      await send(producer, config, phase1);
      await reader.waitForCount(phase1.length, 60_000);
      const lags = await Promise.all(urls.map(async (u) => (await (await fetch(`${u}/metrics`)).text()).match(/streamcell_inference_consumer_lag\{partition="\d+"/g)?.length ?? 0));
      assert.ok(lags.every((n) => n > 0), `each worker owns partitions (partitions seen per worker: ${lags.join(', ')})`);

      await apps.shift()!.close(); // graceful: commits and leaves the group
      const phase2 = makeEvents(12, 20, 35);
      await send(producer, config, phase2);
      await reader.waitForCount(phase1.length + phase2.length, 90_000);
      await assertExactlyOnce(reader.messages.map(predictionOf), [...phase1, ...phase2]);
    } finally {
      await reader.stop().catch(() => undefined);
      for (const a of apps) await a.close();
      await producer.disconnect();
    }
  });

  it('restarts warm on its own state directory: checkpoint plus changelog tail give the uninterrupted sequence', async () => {
    const env = inferenceTestEnv({ EVENTS_PARTITIONS: '6', INFERENCE_THREADS: '2' });
    const config = loadConfig(inferenceSchema, env);
    const dirOf = (name: string): string => tempDir(`sc-warm-${name}-`);
    const configIn = (dir: string): InferenceConfig => loadConfig(inferenceSchema, { ...env, INFERENCE_STATE_DIR: dir });
    const dirA = dirOf('a');
    await createTopics(config);
    const producer = new TestProducer(config);
    await producer.connect();
    const reader = new TopicReader(config, config.predictions);
    const apps: NestFastifyApplication[] = [];
    const start = async (dir: string): Promise<NestFastifyApplication> => {
      const app = await createInferenceApp(configIn(dir));
      await app.listen({ port: 0, host: '127.0.0.1' });
      apps.push(app);
      const url = await app.getUrl();
      await waitFor('ready', async () => (await fetch(`${url}/health/ready`)).status === 200, { timeoutMs: 60_000 });
      return app;
    };
    try {
      await producer.send(config.modelWeights, [{ key: 'm', value: encodeBundle(v1) }]);
      const a = await start(dirA);
      const b = await start(dirOf('b'));
      await reader.start();
      const phase1 = makeEvents(12, 0, 20);
      await send(producer, config, phase1);
      await reader.waitForCount(phase1.length, 60_000);
      // A stops cleanly (checkpoint of its partitions); B goes on with them, so the changelog moves
      // past A's checkpoint; then B stops too, and A comes back on its directory and gets them all.
      await a.close();
      apps.splice(apps.indexOf(a), 1);
      const phase2 = makeEvents(12, 20, 35);
      await send(producer, config, phase2);
      await reader.waitForCount(phase1.length + phase2.length, 90_000);
      await b.close();
      apps.splice(apps.indexOf(b), 1);
      const again = await start(dirA);
      const phase3 = makeEvents(12, 35, 50);
      await send(producer, config, phase3);
      await reader.waitForCount(phase1.length + phase2.length + phase3.length, 90_000);
      await assertExactlyOnce(reader.messages.map(predictionOf), [...phase1, ...phase2, ...phase3]);
      const metrics = await (await fetch(`${await again.getUrl()}/metrics`)).text();
      const fromCheckpoint = Number(/streamcell_inference_restore_records_total\{[^}]*source="checkpoint"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
      assert.ok(fromCheckpoint > 0, `the restarted worker loaded streams from its checkpoint (${fromCheckpoint})`);
    } finally {
      await reader.stop().catch(() => undefined);
      for (const a of apps) await a.close();
      await producer.disconnect();
    }
  });

  describe('a worker killed with SIGKILL mid-load', () => {
    let env: Record<string, string>;
    let config: InferenceConfig;
    let producer: TestProducer;
    const children: ChildProcess[] = [];

    const spawnWorker = (): ChildProcess => {
      const child = spawn(process.execPath, ['-r', resolve(__dirname, '../../../scripts/register.cjs'), resolve(__dirname, '../src/main.ts')], {
        env: { ...process.env, ...env, LOG_LEVEL: 'error' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    };

    before(async () => {
      env = inferenceTestEnv({ EVENTS_PARTITIONS: '4', INFERENCE_COMMIT_INTERVAL_MS: '30', INFERENCE_TRANSACTION_TIMEOUT_MS: '5000', INFERENCE_THREADS: '2' });
      ({ config, producer } = await setup(env));
    });

    after(async () => {
      const exits = children.map(exited);
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await producer.disconnect();
      // A worker killed with SIGKILL leaves its per-process spill directory (no INFERENCE_STATE_DIR
      // here, as in a pod without one): removed once no child can still write to it.
      await Promise.all(exits);
      for (const c of children) rmSync(join(tmpdir(), `streamcell-inference-${c.pid}`), { recursive: true, force: true });
    });

    it('is replaced and every stream gets exactly the uninterrupted prediction sequence', async () => {
      const first = spawnWorker();
      const reader = await new TopicReader(config, config.predictions).start();
      try {
        const all = makeEvents(8, 0, 150);
        const chunks = 30;
        const per = Math.ceil(all.length / chunks);
        let sent = 0;
        for (let c = 0; c < chunks; c++) {
          const chunk = all.slice(c * per, (c + 1) * per);
          await send(producer, config, chunk);
          sent += chunk.length;
          if (c === 10) {
            // Kill once some output is committed, while more input keeps arriving.
            await waitFor('some predictions committed', () => reader.messages.length > 100, { timeoutMs: 60_000 });
            first.kill('SIGKILL');
            spawnWorker();
          }
        }
        assert.equal(sent, all.length);
        await reader.waitForCount(all.length, 120_000);
        // One more event per stream, instead of a pause: a duplicate of any earlier event of a
        // stream would be committed before that stream's next prediction (same key, same
        // partition, in order), so once these are seen no straggler can still be on its way.
        const sentinels = makeEvents(8, 150, 151);
        await send(producer, config, sentinels);
        await reader.waitForCount(all.length + sentinels.length, 60_000);
        await assertExactlyOnce(reader.messages.map(predictionOf), [...all, ...sentinels]);
      } finally {
        await reader.stop();
      }
    });
  });
});
