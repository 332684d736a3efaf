import { parentPort, workerData } from 'node:worker_threads';
import { JsonLogger, Metrics } from '@streamcell/observability';
import { InferenceWorker } from '../inference-worker';
import { InferenceMetrics } from '../inference.metrics';
import { threadConfig, type FromThread, type ThreadData, type ThreadStatus, type ToThread } from './protocol';

/**
 * A worker thread of ThreadedInference: one complete InferenceWorker (its own consumer in the
 * group, transactional producers, engine and state store) that reports its health and metrics to
 * the main thread and stops gracefully when told.
 */
const data = workerData as ThreadData;
const port = parentPort!;
const post = (m: FromThread): void => port.postMessage(m);
const logger = new JsonLogger('inference', data.config.logLevel);
const metrics = new Metrics('inference', { processMetrics: false });
const worker = new InferenceWorker(threadConfig(data.config, data.count), new InferenceMetrics(metrics), logger, data.index);

function status(): ThreadStatus {
  const c = worker.consumerHealth;
  return {
    modelVersion: worker.modelVersion,
    consumer: c === undefined ? undefined : { state: c.state, ...('error' in c ? { error: c.error.message } : {}) },
    broker: worker.brokerStatus,
    startError: worker.startError?.message,
    weightsError: worker.weightsError?.message,
  };
}

let last = '';
const publish = (): void => {
  const s = status();
  const key = JSON.stringify(s);
  if (key === last) return;
  last = key;
  post({ kind: 'status', status: s });
};
const timer = setInterval(publish, 200);
publish();

port.on('message', (m: ToThread) => {
  if (m.kind === 'metrics') {
    void metrics.json().then((json) => post({ kind: 'metrics', id: m.id, json }));
    return;
  }
  clearInterval(timer);
  void worker
    .stop()
    .catch((e: unknown) => logger.error('inference thread stop failed', { thread: data.index, error: String(e) }))
    .finally(() => {
      publish();
      post({ kind: 'stopped' });
      port.close();
    });
});

worker.start().catch((e: unknown) => {
  logger.error('inference worker failed to start', { thread: data.index, error: String(e) });
  publish();
});
