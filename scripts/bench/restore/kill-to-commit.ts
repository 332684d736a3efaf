/**
 * SIGKILL → first committed prediction, under load, with the real inference service: a worker
 * process serves `streams` streams at about `rate` events/s (LSTM 64, width 8, exactly-once); it is
 * killed with SIGKILL and a replacement is started at once (what Kubernetes does on a crash). The
 * time is from the kill to the first prediction, visible to a read_committed reader, of an event
 * produced after the kill (only the replacement can have committed it).
 *
 * Where the time goes, from the replacement's own log lines: its start-up until the model is loaded,
 * the wait for the group to hand it the partitions (the dead member holds them until its session
 * times out: INFERENCE_SESSION_TIMEOUT_MS), the partitions' initialisation (fencing the old
 * producers, committed offsets, the changelog restore), and the first transaction.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
// The load and the reader are the bench's own clients: they measure the service from outside.
// eslint-disable-next-line no-restricted-imports
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createBundle, encodeBundle } from '@streamcell/model';
import { exited } from '@streamcell/testing';
import { ScratchDirs } from '../scratch';

export interface KillToCommit {
  readonly killToCommitSeconds: number;
  readonly breakdown: { readonly startupSeconds: number; readonly groupWaitSeconds: number; readonly initialiseSeconds: number; readonly firstCommitSeconds: number };
  readonly sessionTimeoutMs: number;
}

const WIDTH = 8;

interface Worker {
  readonly child: ChildProcess;
  /** ms timestamps of log messages, by message. */
  readonly seen: Map<string, { at: number; fields: Record<string, unknown> }>;
}

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['-r', resolve(__dirname, '../../register.cjs'), resolve(__dirname, '../../../apps/inference/src/main.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen = new Map<string, { at: number; fields: Record<string, unknown> }>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (typeof entry.msg === 'string' && !seen.has(entry.msg)) seen.set(entry.msg, { at: Date.now(), fields: entry });
    } catch {
      // not a log line
    }
  });
  return { child, seen };
}

async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function measureKillToCommit(brokers: string, opts: { streams: number; rate: number; sessionTimeoutMs?: number }): Promise<KillToCommit> {
  const kafka = new Kafka({ clientId: 'bench-kill', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const id = `kill-${Date.now().toString(36)}`;
  const partitions = 12;
  const scratch = new ScratchDirs();
  const env: Record<string, string> = {
    KAFKA_BROKERS: brokers,
    TOPIC_EVENTS: `${id}.events`,
    TOPIC_EVENTS_DLQ: `${id}.dlq`,
    TOPIC_PREDICTIONS: `${id}.predictions`,
    TOPIC_ALERTS: `${id}.alerts`,
    TOPIC_INFERENCE_STATE: `${id}.state`,
    TOPIC_MODEL_WEIGHTS: `${id}.weights`,
    EVENTS_PARTITIONS: String(partitions),
    INFERENCE_GROUP_ID: `${id}-group`,
    INFERENCE_PORT: '0',
    INFERENCE_HOST: '127.0.0.1',
    INFERENCE_ENGINE: 'onnx',
    MODEL_NAME: 'bench',
    LOG_LEVEL: 'info',
    ...(opts.sessionTimeoutMs !== undefined ? { INFERENCE_SESSION_TIMEOUT_MS: String(opts.sessionTimeoutMs) } : {}),
  };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: env.TOPIC_EVENTS, numPartitions: partitions },
      // Created here (not by the worker) so the reader can subscribe before the first worker runs.
      { topic: env.TOPIC_PREDICTIONS, numPartitions: partitions },
      { topic: env.TOPIC_MODEL_WEIGHTS, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'max.message.bytes', value: String(16 << 20) }] },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const bundle = createBundle({ name: 'bench', spec: { cell: 'lstm', layers: [64], inputWidth: WIDTH, head: { units: WIDTH } }, init: { seed: 1 } });
  await producer.send({ topic: env.TOPIC_MODEL_WEIGHTS, messages: [{ key: 'bench', value: encodeBundle(bundle) }] });

  const workers: Worker[] = [];
  const reader = kafka.consumer({ groupId: `${id}-reader`, readUncommitted: false, maxWaitTimeInMs: 50 });
  let killedAt = Infinity;
  let firstAfterKill = Infinity;
  let seenPredictions = 0;
  let running = true;
  try {
    // Made inside the try, so the finally below removes it whatever fails after.
    env.INFERENCE_STATE_DIR = scratch.make('bench-kill-');
    workers.push(startWorker(env));
    await reader.connect();
    await reader.subscribe({ topics: [env.TOPIC_PREDICTIONS], fromBeginning: true });
    await reader.run({
      eachBatch: ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          seenPredictions += 1;
          const p = JSON.parse(m.value!.toString()) as { ts: number };
          if (p.ts > killedAt && now < firstAfterKill) firstAfterKill = now;
        }
        return Promise.resolve();
      },
    });
    // Steady load, stamped at send time.
    const load = (async () => {
      const perTick = Math.max(1, Math.round(opts.rate / 20));
      for (let n = 0; running; ) {
        const ts = Date.now();
        const messages = [];
        for (let i = 0; i < perTick; i++, n++) {
          const s = n % opts.streams;
          messages.push({ key: `dev-${s}`, value: JSON.stringify({ stream: `dev-${s}`, ts, values: Array.from({ length: WIDTH }, (_, j) => Math.sin(0.1 * n + j)) }) });
        }
        await producer.send({ topic: env.TOPIC_EVENTS, acks: -1, messages });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await until('predictions flowing', () => seenPredictions > opts.rate * 5, 180_000);
    workers[0].child.kill('SIGKILL');
    killedAt = Date.now();
    const replacement = startWorker(env);
    workers.push(replacement);
    await until('a prediction of an event after the kill', () => firstAfterKill < Infinity, 180_000);
    running = false;
    await load;
    const at = (msg: string): number => replacement.seen.get(msg)?.at ?? NaN;
    const restored = replacement.seen.get('partitions restored');
    const restoreMs = Number(restored?.fields.ms ?? NaN);
    const loaded = at('model loaded');
    const restoreEnd = restored?.at ?? NaN;
    return {
      killToCommitSeconds: (firstAfterKill - killedAt) / 1000,
      breakdown: {
        startupSeconds: (loaded - killedAt) / 1000,
        groupWaitSeconds: (restoreEnd - restoreMs - loaded) / 1000,
        initialiseSeconds: restoreMs / 1000,
        firstCommitSeconds: (firstAfterKill - restoreEnd) / 1000,
      },
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000,
    };
  } finally {
    running = false;
    const exits = workers.map((w) => exited(w.child));
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await reader.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    // Only once no worker can still be writing into the state directory.
    await Promise.all(exits);
    scratch.removeAll();
  }
}
