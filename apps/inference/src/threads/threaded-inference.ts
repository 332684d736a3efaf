import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BrokerStatus, ConsumerHealth } from '@streamcell/kafka';
import type { JsonLogger, Metrics, MetricsJson } from '@streamcell/observability';
import type { InferenceConfig } from '../config';
import type { InferenceService } from './inference-service';
import { threadConfig, toConsumerHealth, type FromThread, type ThreadData, type ThreadStatus, type ToThread } from './protocol';

/** A thread that does not answer a metrics request in time is left out of that scrape. */
const METRICS_TIMEOUT_MS = 2000;
/** Longer than a graceful stop takes (final commits, leaving the group); then the thread is terminated. */
const STOP_TIMEOUT_MS = 60_000;

interface Thread {
  readonly index: number;
  readonly worker: Worker;
  status: ThreadStatus | undefined;
  /** Set when the thread died (an uncaught error): its partitions go to the group's other members. */
  crashed: Error | undefined;
  readonly exited: Promise<void>;
  readonly stopped: Promise<void>;
}

/**
 * INFERENCE_THREADS > 1: one InferenceWorker per worker thread (thread-entry.ts), each its own
 * member of the consumer group. Kafka's group protocol spreads the partitions over the threads as
 * over pods, so each partition still has exactly one owner, fenced by its transactional id:
 * exactly-once and state ownership are the single-thread ones. The main thread serves HTTP, sums
 * the threads' metrics into /metrics and combines their health for readiness.
 */
export class ThreadedInference implements InferenceService {
  private readonly threads: Thread[] = [];
  private nextRequest = 0;
  private readonly pending = new Map<number, (json: MetricsJson | undefined) => void>();

  constructor(
    private readonly config: InferenceConfig,
    private readonly count: number,
    metrics: Metrics,
    private readonly logger: JsonLogger,
    /**
     * A thread died of an uncaught error. As a single-threaded worker would crash, the process
     * shuts down (the other threads commit and leave the group) and exits non-zero, for the
     * orchestrator to restart it, rather than staying up unready with fewer members.
     */
    private readonly onCrash: () => void = () => {
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    },
  ) {
    threadConfig(config, count); // each thread's share of the state bounds is checked before any starts
    metrics.addSource(() => this.collectMetrics());
  }

  start(): Promise<void> {
    for (let index = 0; index < this.count; index++) this.threads.push(this.spawn(index));
    this.logger.info('inference threads started', { threads: this.count });
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    for (const t of this.threads) t.worker.postMessage({ kind: 'stop' } satisfies ToThread);
    await Promise.all(
      this.threads.map(async (t) => {
        const stopped = await Promise.race([t.stopped.then(() => true), t.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS).unref())]);
        if (!stopped) this.logger.error('inference thread did not stop in time; terminating it', { thread: t.index });
        await t.worker.terminate();
      }),
    );
  }

  get modelVersion(): number {
    const versions = this.threads.map((t) => t.status?.modelVersion ?? 0);
    return versions.length === 0 ? 0 : Math.min(...versions);
  }

  /** The least healthy thread's consumer (all must consume for the pod to be ready). */
  get consumerHealth(): ConsumerHealth | undefined {
    const rank = { failed: 0, restarting: 1, stopped: 2, starting: 3, consuming: 4 } as const;
    let worst: ConsumerHealth | undefined;
    for (const t of this.threads) {
      if (t.crashed !== undefined) return { state: 'failed', error: new Error(`inference thread ${t.index} crashed: ${t.crashed.message}`) };
      const c = toConsumerHealth(t.status?.consumer);
      if (c === undefined) return undefined;
      if (worst === undefined || rank[c.state] < rank[worst.state]) worst = c;
    }
    return worst;
  }

  get brokerStatus(): BrokerStatus {
    return this.threads.find((t) => t.status !== undefined)?.status?.broker ?? { reachable: false, error: 'not checked yet', checkedAt: undefined };
  }

  get startError(): Error | undefined {
    const failed = this.threads.find((t) => t.status?.startError !== undefined);
    return failed === undefined ? undefined : new Error(`thread ${failed.index}: ${failed.status!.startError!}`);
  }

  get weightsError(): Error | undefined {
    const failed = this.threads.find((t) => t.status?.weightsError !== undefined);
    return failed === undefined ? undefined : new Error(`thread ${failed.index}: ${failed.status!.weightsError!}`);
  }

  private spawn(index: number): Thread {
    const data: ThreadData = { config: this.config, index, count: this.count };
    // Loaded through require so the same line runs the TypeScript sources (the -r loader in
    // execArgv, inherited) and the compiled image.
    const entry = join(__dirname, 'thread-entry');
    const worker = new Worker(`require(${JSON.stringify(entry)})`, { eval: true, workerData: data });
    let markStopped!: () => void;
    const stopped = new Promise<void>((r) => (markStopped = r));
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    const thread: Thread = { index, worker, status: undefined, crashed: undefined, exited, stopped };
    worker.on('message', (m: FromThread) => {
      if (m.kind === 'status') thread.status = m.status;
      else if (m.kind === 'stopped') markStopped();
      else this.pending.get(m.id)?.(m.json);
    });
    worker.on('error', (e) => {
      thread.crashed = e;
      this.logger.error('inference thread crashed; shutting down', { thread: index, error: String(e) });
      this.onCrash();
    });
    return thread;
  }

  private async collectMetrics(): Promise<MetricsJson[]> {
    const answers = await Promise.all(
      this.threads
        .filter((t) => t.crashed === undefined)
        .map(
          (t) =>
            new Promise<MetricsJson | undefined>((resolve) => {
              const id = this.nextRequest++;
              const timer = setTimeout(() => done(undefined), METRICS_TIMEOUT_MS);
              const done = (json: MetricsJson | undefined): void => {
                clearTimeout(timer);
                this.pending.delete(id);
                resolve(json);
              };
              this.pending.set(id, done);
              t.worker.postMessage({ kind: 'metrics', id } satisfies ToThread);
            }),
        ),
    );
    return answers.filter((a): a is MetricsJson => a !== undefined);
  }
}
