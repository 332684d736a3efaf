import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { Metrics } from '@streamcell/observability';
import { ConfigError, loadConfig } from '@streamcell/config';
import { inferenceSchema } from '../config';
import { InferenceMetrics } from '../inference.metrics';
import { threadConfig, toConsumerHealth } from './protocol';
import { threadCount, usableCores } from './thread-count';

describe('inference threads', () => {
  it('uses the cores the process may use: affinity, capped by a cgroup CPU limit', () => {
    const affinity = availableParallelism();
    assert.equal(usableCores(undefined), affinity);
    assert.equal(usableCores('max 100000\n'), affinity);
    assert.equal(usableCores('100000 100000\n'), 1);
    assert.equal(usableCores('150000 100000'), Math.min(affinity, 2), 'a fractional limit rounds up');
    assert.equal(usableCores('garbage'), affinity);
    assert.equal(threadCount(3, () => 8), 3);
    assert.equal(threadCount(0, () => 8), 8);
    // Automatic: never more threads than the state bounds can share out (1 MiB and a stream each).
    assert.equal(threadCount(0, () => 8, { stateCapacity: 100_000, stateMemoryBytes: 3 * 1024 * 1024 }), 3);
    assert.equal(threadCount(0, () => 8, { stateCapacity: 2, stateMemoryBytes: 1 << 30 }), 2);
    assert.equal(threadCount(0, () => 8, { stateCapacity: 100_000, stateMemoryBytes: 1024 * 1024 }), 1);
    assert.equal(threadCount(6, () => 8, { stateCapacity: 1, stateMemoryBytes: 1024 * 1024 }), 6, 'explicit: as set (threadConfig refuses it)');
  });

  it('gives each thread its share of the state bounds', () => {
    const config = loadConfig(inferenceSchema, { INFERENCE_STATE_CAPACITY: '1001', INFERENCE_STATE_MEMORY_BYTES: String(64 * 1024 * 1024) });
    const t = threadConfig(config, 4);
    assert.equal(t.stateCapacity, 250, 'the shares never add up to more than the bound');
    assert.equal(t.stateMemoryBytes, 16 * 1024 * 1024);
    assert.equal(toConsumerHealth({ state: 'failed', error: 'boom' })?.state, 'failed');
  });

  it('refuses shares below one stream or 1 MiB a thread, instead of raising each to the minimum', () => {
    const config = loadConfig(inferenceSchema, { INFERENCE_STATE_CAPACITY: '3', INFERENCE_STATE_MEMORY_BYTES: String(4 * 1024 * 1024) });
    assert.throws(
      () => threadConfig(config, 8),
      (e: unknown) => e instanceof ConfigError && /INFERENCE_STATE_CAPACITY=3 is less than one stream for each of 8 threads/.test(e.message) && /INFERENCE_STATE_MEMORY_BYTES=4194304 is less than 1 MiB for each of 8 threads/.test(e.message),
    );
    assert.equal(threadConfig(config, 3).stateCapacity, 1);
  });

  it('reports one process-wide set of metrics: counters summed over threads, the model version the lowest', async () => {
    const main = new Metrics('inference');
    const threads = [new Metrics('inference', { processMetrics: false }), new Metrics('inference', { processMetrics: false })].map((m) => ({ m, im: new InferenceMetrics(m) }));
    threads[0].im.eventsProcessed.inc(5);
    threads[1].im.eventsProcessed.inc(7);
    threads[0].im.modelVersion.set(4);
    threads[1].im.modelVersion.set(3);
    main.addSource(() => Promise.all(threads.map((t) => t.m.json())));
    const text = await main.render();
    assert.match(text, /^streamcell_inference_events_processed_total\{service="inference"\} 12$/m);
    assert.match(text, /^streamcell_inference_model_version\{service="inference"\} 3$/m);
    assert.equal(text.match(/^streamcell_process_cpu_seconds_total/gm)?.length, 1, 'process metrics once, from the main thread');
  });
});
