/**
 * bench:restore — how fast an inference worker gets its streams back from the `inference.state`
 * changelog, on a real broker. For each N (BENCH_RESTORE_STREAMS, default 100000,1000000; small
 * mode 2000): a fresh changelog topic with the service's settings and 12 partitions gets
 * BENCH_RESTORE_UPDATES records per stream (the active segment is never compacted, so a restore
 * replays the recent updates, not one record per stream), each a real state record (LSTM 64,
 * input width 8, per-stream scaling: the service's own encoding). Then:
 *
 * - `readSeconds`: a bare kafkajs read of the same partitions to their end (the wire's bound);
 * - `coldSeconds`: the service's restore (restoreStreams: read + keep the last record per stream in
 *   the host tiers, memory bounded by BENCH_RESTORE_MEMORY_BYTES, the rest in LMDB);
 * - `rssMb`, `anonRssMb`: the process's peak RSS during the restore, total (LMDB's file-backed
 *   pages included: page cache the kernel reclaims) and anonymous;
 * - `checkpointWriteSeconds`: a clean stop's checkpoint of all those streams (LocalCheckpoint);
 * - `warmSeconds`: a warm restart on the same directory: the checkpoint loaded, then the changelog
 *   tail read (1 % of the streams updated after the checkpoint, as during a rolling restart).
 *
 * - `killToCommitSeconds`: SIGKILL → first committed prediction with the real service under load
 *   (restore/kill-to-commit.ts: BENCH_KILL_STREAMS streams at BENCH_KILL_RATE events/s, the
 *   service's default session timeout unless BENCH_KILL_SESSION_TIMEOUT_MS; small mode 6 s, the
 *   broker's default minimum, so the smoke run waits less of it out), with a breakdown.
 * Last line: {"bench":"restore","streams":…,"coldSeconds":…,"warmSeconds":…,"rssMb":…,"killToCommitSeconds":…,…}.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The fill and the bare read baseline use kafkajs directly: they measure the wire, not streamcell.
// eslint-disable-next-line no-restricted-imports
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '@streamcell/config';
import { inferenceTopics } from '@streamcell/events';
import { KafkaConnection, kafkaConnectionSchema, silentLogger } from '@streamcell/kafka';
import { createBundle, StreamingModel } from '@streamcell/model';
import { PartitionTask } from '../../apps/inference/src/partition-task';
import { HostStateCache } from '../../apps/inference/src/state-tiers/host-cache';
import { LmdbTier } from '../../apps/inference/src/state-tiers/lmdb-tier';
import { LocalCheckpoint } from '../../apps/inference/src/state-tiers/local-checkpoint';
import { checkpointPartitions, restoreStreams, type ChangelogReader } from '../../apps/inference/src/state-tiers/restorer';
import { StreamStore } from '../../apps/inference/src/stream-store';
import { benchBroker, emit } from './broker';
import { measureKillToCommit } from './restore/kill-to-commit';
import { ScratchDirs } from './scratch';
import { benchList, benchNumber } from './small';

const PARTITIONS = 12;
const updates = benchNumber('BENCH_RESTORE_UPDATES', 2, 2);
const memoryBytes = benchNumber('BENCH_RESTORE_MEMORY_BYTES', 256 * 1024 * 1024, 1024 * 1024);
const sizes = benchList('BENCH_RESTORE_STREAMS', '100000,1000000', '2000').map(Number);

/** One stream's changelog record as the service writes it, after a few events. */
async function sampleRecord(): Promise<Buffer> {
  const bundle = createBundle({ name: 'bench', spec: { cell: 'lstm', layers: [64], inputWidth: 8, head: { units: 8 }, streamScaling: { halfLife: 200 } }, init: { seed: 1 } });
  const store = new StreamStore(new HostStateCache(1024 * 1024, null));
  const model = await StreamingModel.create({ bundle, engine: { kind: 'reference' }, capacity: 4 });
  store.attach(model);
  for (let t = 0; t < 5; t++) {
    store.ensureHot('x', t);
    await model.step(['x'], Float32Array.from({ length: 8 }, (_, i) => Math.sin(i + t)), t);
  }
  const r = store.record('x')!;
  await model.dispose();
  return Buffer.from(r);
}

async function fill(kafka: Kafka, topic: string, streams: number, value: Buffer, rounds = updates): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const chunk = 5000;
    const inFlight: Promise<unknown>[] = [];
    for (let u = 0; u < rounds; u++) {
      for (let s = 0; s < streams; s += chunk) {
        const messages = Array.from({ length: Math.min(chunk, streams - s) }, (_, i) => ({ key: `stream-${s + i}`, value }));
        inFlight.push(producer.send({ topic, acks: 1, messages }));
        if (inFlight.length >= 4) await inFlight.shift();
      }
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
}

/** Anonymous resident memory in bytes (heap, buffers, native allocations; not LMDB's file-backed pages), or NaN off Linux. */
function anonRss(): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? NaN : Number(m[1]) * 1024;
  } catch {
    return NaN;
  }
}

/**
 * Peak RSS while running, total and anonymous: LMDB maps its file, so the pages it touches count in
 * RSS as page cache the kernel can reclaim; the anonymous part is what the memory bound is about.
 */
function peakRss(): { stop: () => { rssMb: number; anonRssMb: number } } {
  let peak = 0;
  let peakAnon = 0;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
    peakAnon = Math.max(peakAnon, anonRss());
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { rssMb: Math.round(peak / 1024 / 1024), anonRssMb: Math.round(peakAnon / 1024 / 1024) };
    },
  };
}

async function main(): Promise<void> {
  const broker = benchBroker(29392);
  const connection = new KafkaConnection(loadConfig(kafkaConnectionSchema, { KAFKA_BROKERS: broker.brokers }), silentLogger, 'bench-restore');
  const kafka = new Kafka({ clientId: 'bench-restore', brokers: broker.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const value = await sampleRecord();
  const partitions = Array.from({ length: PARTITIONS }, (_, p) => p);
  let last: Record<string, unknown> = {};
  const scratch = new ScratchDirs();
  try {
    for (const streams of sizes) {
      const topic = `restore-${Date.now().toString(36)}-${streams}`;
      const layout = inferenceTopics({ predictions: 'p', alerts: 'a', inferenceState: topic, eventsPartitions: PARTITIONS, replicationFactor: 1 }).find((t) => t.name === topic)!;
      await admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS, configEntries: Object.entries(layout.configs).map(([name, v]) => ({ name, value: v })) }],
        waitForLeaders: true,
      });
      // One admin per topic: a kafkajs admin keeps the metadata of the topics it has seen.
      const offsetsAdmin = connection.admin();
      const f0 = Date.now();
      await fill(kafka, topic, streams, value);
      const fillSeconds = (Date.now() - f0) / 1000;

      let r0 = Date.now();
      const read = await connection.readToEnd(topic, partitions, () => undefined);
      const readSeconds = (Date.now() - r0) / 1000;

      const readChangelog: ChangelogReader = (t, ps, on, from) => connection.readToEnd(t, ps, on, undefined, from);
      const tier = new LmdbTier(join(scratch.make('bench-restore-'), 'db'), false);
      const store = new StreamStore(new HostStateCache(memoryBytes, tier));
      const tasks = partitions.map((p) => new PartitionTask(p));
      const rss = peakRss();
      r0 = Date.now();
      const restored = await restoreStreams(readChangelog, topic, tasks, store, Date.now());
      const coldSeconds = (Date.now() - r0) / 1000;
      const { rssMb, anonRssMb } = rss.stop();
      if (restored.streams !== streams) throw new Error(`restored ${restored.streams} streams, expected ${streams}`);
      const tiers = { inMemory: store.coldCount, onDisk: store.diskCount };

      // A clean stop's checkpoint, a few updates meanwhile, then a warm start on the same directory.
      for (const t of tasks) t.status = 'ready';
      const cpDir = scratch.make('bench-checkpoint-');
      const identity = `bench|${topic}`;
      let checkpoint = new LocalCheckpoint(cpDir, identity);
      const w0 = Date.now();
      checkpointPartitions(checkpoint, tasks, store, await offsetsAdmin.endOffsets(topic));
      const checkpointWriteSeconds = (Date.now() - w0) / 1000;
      await checkpoint.close();
      tier.close();
      const tail = Math.max(1, Math.floor(streams / 100));
      await fill(kafka, topic, tail, value, 1);
      checkpoint = new LocalCheckpoint(cpDir, identity);
      // The part of a warm start that is local reading (the rest: offsets, the tail's read, puts).
      const c0 = Date.now();
      let checkpointed = 0;
      for (const p of partitions) checkpoint.forEach(p, () => (checkpointed += 1));
      const checkpointReadSeconds = (Date.now() - c0) / 1000;
      if (checkpointed !== streams) throw new Error(`checkpoint holds ${checkpointed} streams, expected ${streams}`);
      const warmTier = new LmdbTier(join(scratch.make('bench-restore-'), 'db'), false);
      const warmStore = new StreamStore(new HostStateCache(memoryBytes, warmTier));
      const warmTasks = partitions.map((p) => new PartitionTask(p));
      r0 = Date.now();
      const warm = await restoreStreams(readChangelog, topic, warmTasks, warmStore, Date.now(), {
        checkpoint,
        offsets: async () => ({ start: await offsetsAdmin.startOffsets(topic), end: await offsetsAdmin.endOffsets(topic) }),
        maxAgeMs: 3_600_000,
      });
      const warmSeconds = (Date.now() - r0) / 1000;
      if (warm.streams !== streams || warm.fromCheckpoint !== streams || warm.records !== tail) {
        throw new Error(`warm restart: ${warm.streams} streams, ${warm.fromCheckpoint} from the checkpoint, ${warm.records} tail records (expected ${streams}, ${streams}, ${tail})`);
      }
      await checkpoint.close();
      warmTier.close();
      last = {
        bench: 'restore',
        streams,
        records: restored.records,
        recordBytes: value.length,
        coldSeconds,
        readSeconds,
        coldToReadRatio: readSeconds > 0 ? coldSeconds / readSeconds : null,
        warmSeconds,
        tailRecords: warm.records,
        checkpointReadSeconds,
        checkpointWriteSeconds,
        rssMb,
        anonRssMb,
        memoryBoundMb: Math.round(memoryBytes / 1024 / 1024),
        ...tiers,
      };
      emit({ ...last, bench: 'restore.size', fillSeconds, readRecords: read.records });
      await offsetsAdmin.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      scratch.removeAll();
    }
    const sessionTimeoutMs = benchNumber('BENCH_KILL_SESSION_TIMEOUT_MS', 0, 6000);
    const kill = await measureKillToCommit(broker.brokers, {
      streams: benchNumber('BENCH_KILL_STREAMS', 200, 20),
      rate: benchNumber('BENCH_KILL_RATE', 1000, 200),
      ...(sessionTimeoutMs > 0 ? { sessionTimeoutMs } : {}),
    });
    emit({ bench: 'restore.kill', ...kill });
    last = { ...last, killToCommitSeconds: kill.killToCommitSeconds, killBreakdown: kill.breakdown };
  } finally {
    scratch.removeAll();
    await admin.disconnect();
    broker.stop();
  }
  emit(last);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:restore failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
