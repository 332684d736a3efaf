import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAlert, encodeAlert, type AlertV1 } from '@streamcell/events';
import { JsonLogger, Metrics } from '@streamcell/observability';
import { idempotencyKey } from './alert-identity';
import { AlertPipeline, liveViewLink, type RecordIo } from './alert-pipeline';
import type { AlertRecord } from './alert-record';
import { AlertsMetrics } from './alerts.metrics';
import type { DeadLetter, DeadLetterSink } from './dead-letters';
import { FloodControl } from './flood-control';
import { backoffMs, type RetryPolicy } from './retry-policy';
import { TargetHealth } from './target-health';
import { DeliveryError, type Delivery, type DeliveryTarget } from './targets/target';

const alert: AlertV1 = { stream: 's-1', ts: 1_000, rule: 'residual_zscore', score: 7, threshold: 1, residual: 2, expected: [1], actual: [3], model: { name: 'm', version: 2 } };

const record = (value: string | AlertV1, offset = '5'): AlertRecord => {
  const bytes = Buffer.from(typeof value === 'string' ? value : encodeAlert(value));
  return { topic: 'alerts', partition: 0, offset, key: Buffer.from('s-1'), value: bytes, decoded: decodeAlert(bytes) };
};

/** A target that answers from a script: each entry is one attempt's answer (the last repeats). */
class ScriptedTarget implements DeliveryTarget {
  readonly received: Delivery[] = [];
  constructor(
    readonly name: string,
    private readonly script: ('ok' | 'down' | 'refuse')[],
  ) {}
  deliver(d: Delivery): Promise<void> {
    this.received.push(d);
    const answer = this.script[Math.min(this.received.length - 1, this.script.length - 1)];
    if (answer === 'ok') return Promise.resolve();
    return Promise.reject(new DeliveryError(answer === 'down' ? 'unreachable: ECONNREFUSED' : 'HTTP 400: bad alert', answer === 'down'));
  }
}

class MemoryDeadLetters implements DeadLetterSink {
  readonly letters: { record: AlertRecord; letter: DeadLetter }[] = [];
  write(record: AlertRecord, letter: DeadLetter): Promise<boolean> {
    this.letters.push({ record, letter });
    return Promise.resolve(true);
  }
}

const policy: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2 };

function pipeline(targets: DeliveryTarget[], { now = (): number => 10_000, floodControl = true }: { now?: () => number; floodControl?: boolean } = {}) {
  const metrics = new AlertsMetrics(new Metrics('alerts'), targets.map((t) => t.name));
  const health = new TargetHealth(
    targets.map((t) => t.name),
    (target, up) => metrics.targetUp.set({ target }, up ? 1 : 0),
  );
  const deadLetters = new MemoryDeadLetters();
  const logger = new JsonLogger('alerts', 'error');
  const p = new AlertPipeline(targets, new FloodControl(floodControl, 100), health, deadLetters, metrics, logger, { policy, resolveAfterMs: 60_000, liveViewUrl: 'http://live' }, now);
  return { p, metrics, health, deadLetters };
}

const io = (signal = new AbortController().signal): RecordIo & { beats: number } => {
  const state = { beats: 0, signal, heartbeat: () => ((state.beats += 1), Promise.resolve()) };
  return state;
};

const count = async (c: { get(): Promise<{ values: { value: number; labels: Record<string, string | number> }[] }> }, labels: Record<string, string>): Promise<number> =>
  (await c.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;

describe('AlertPipeline', () => {
  it('delivers to every target with one idempotency key, the live-view link and the quiet period', async () => {
    const am = new ScriptedTarget('alertmanager-1', ['ok']);
    const hook = new ScriptedTarget('webhook-1', ['ok']);
    const { p, metrics } = pipeline([am, hook]);
    assert.equal(await p.handle(record(alert), io()), 'delivered');
    const [d] = am.received;
    assert.equal(d.idempotencyKey, hook.received[0].idempotencyKey);
    assert.equal(d.idempotencyKey, idempotencyKey(alert));
    assert.equal(d.liveViewUrl, 'http://live?stream=s-1');
    assert.equal(d.startsAt.getTime(), 1_000);
    assert.equal(d.endsAt.getTime(), 70_000);
    assert.equal(await count(metrics.records, { outcome: 'delivered' }), 1);
    assert.equal(await count(metrics.delivered, { target: 'webhook-1' }), 1);
  });

  it('ends an alert after it starts when the event time is ahead of the service clock', async () => {
    const am = new ScriptedTarget('alertmanager-1', ['ok']);
    const { p } = pipeline([am]);
    const ahead = { ...alert, ts: 500_000 }; // a producer's clock minutes ahead
    assert.equal(await p.handle(record(ahead), io()), 'delivered');
    const [d] = am.received;
    assert.ok(d.endsAt.getTime() > d.startsAt.getTime(), 'Alertmanager refuses endsAt before startsAt');
    assert.equal(d.endsAt.getTime(), 560_000);
  });

  it('dead-letters an alert whose stream holds a lone surrogate (its live-view link cannot be encoded)', async () => {
    const am = new ScriptedTarget('alertmanager-1', ['ok']);
    const { p, deadLetters } = pipeline([am]);
    assert.equal(await p.handle(record({ ...alert, stream: 'x\ud800' }), io()), 'invalid');
    assert.equal(am.received.length, 0);
    assert.equal(deadLetters.letters.length, 1);
  });

  it('reports the firing streams at each scrape, so the gauge falls when alerts resolve with no record coming in', async () => {
    const flood = new FloodControl(true, 100);
    let now = 0;
    const registry = new Metrics('alerts');
    new AlertsMetrics(registry, [], () => flood.firing(now));
    flood.admit('s-1', 0, 60_000);
    assert.match(await registry.render(), /streamcell_alerts_firing_streams\{service="alerts"\} 1/);
    now = 61_000;
    assert.match(await registry.render(), /streamcell_alerts_firing_streams\{service="alerts"\} 0/);
  });

  it('retries a target that is down with backoff and heartbeats, then delivers: nothing dead-lettered', async () => {
    const am = new ScriptedTarget('alertmanager-1', ['down', 'down', 'ok']);
    const { p, metrics, deadLetters } = pipeline([am]);
    assert.equal(await p.handle(record(alert), io()), 'delivered');
    assert.equal(am.received.length, 3);
    assert.equal(deadLetters.letters.length, 0);
    assert.equal(await count(metrics.retries, { target: 'alertmanager-1' }), 2);
  });

  it('dead-letters after the retry bound, for the failing target only, and marks it down; the next alert gets one attempt', async () => {
    const am = new ScriptedTarget('alertmanager-1', ['down']);
    const hook = new ScriptedTarget('webhook-1', ['ok']);
    const { p, metrics, health, deadLetters } = pipeline([am, hook], { floodControl: false });
    assert.equal(await p.handle(record(alert), io()), 'dead_lettered');
    assert.equal(am.received.length, 3);
    assert.equal(hook.received.length, 1);
    assert.deepEqual(deadLetters.letters.map((l) => [l.letter.reason, l.letter.target, l.letter.attempts, l.letter.idempotencyKey]), [['delivery_failed', 'alertmanager-1', 3, idempotencyKey(alert)]]);
    assert.ok(health.isDown('alertmanager-1'));
    assert.equal(await count(metrics.targetUp, { target: 'alertmanager-1' }), 0);

    assert.equal(await p.handle(record({ ...alert, ts: 2_000 }, '6'), io()), 'dead_lettered');
    assert.equal(am.received.length, 4, 'one attempt while down');
    assert.equal(deadLetters.letters[1].letter.attempts, 1);
  });

  it('dead-letters a refusal (4xx) at once, without marking the target down', async () => {
    const am = new ScriptedTarget('alertmanager-1', ['refuse']);
    const { p, health, deadLetters } = pipeline([am]);
    assert.equal(await p.handle(record(alert), io()), 'dead_lettered');
    assert.equal(am.received.length, 1);
    assert.equal(deadLetters.letters[0].letter.reason, 'delivery_rejected');
    assert.equal(health.isDown('alertmanager-1'), false);
  });

  it('dead-letters a record that is not alert v1 with its reason, and delivers nothing', async () => {
    const am = new ScriptedTarget('alertmanager-1', ['ok']);
    const { p, metrics, deadLetters } = pipeline([am]);
    assert.equal(await p.handle(record('{"v":7}'), io()), 'invalid');
    assert.equal(am.received.length, 0);
    assert.equal(deadLetters.letters[0].letter.reason, 'unsupported_version');
    assert.equal(await count(metrics.invalid, { reason: 'unsupported_version' }), 1);
  });

  it('flood control: a stream\'s second alert while the first fires is suppressed, and fires again once resolved', async () => {
    let now = 10_000;
    const am = new ScriptedTarget('alertmanager-1', ['ok']);
    const { p, metrics } = pipeline([am], { now: () => now });
    assert.equal(await p.handle(record(alert), io()), 'delivered');
    now += 59_999;
    assert.equal(await p.handle(record({ ...alert, ts: 2_000 }), io()), 'suppressed');
    assert.equal(await p.handle(record({ ...alert, stream: 'other' }), io()), 'delivered', 'other streams are not held');
    now += 1;
    assert.equal(await p.handle(record({ ...alert, ts: 3_000 }), io()), 'delivered');
    assert.equal(await count(metrics.records, { outcome: 'suppressed' }), 1);
  });

  it('stopping mid-retry ends without a verdict: not committed, nothing dead-lettered', async () => {
    const stop = new AbortController();
    const am = new ScriptedTarget('alertmanager-1', ['down']);
    const stopping: DeliveryTarget = { name: 'alertmanager-1', deliver: (d) => (stop.abort(), am.deliver(d)) };
    const slow: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 };
    const { deadLetters } = pipeline([stopping]);
    const metrics = new AlertsMetrics(new Metrics('alerts'), ['alertmanager-1']);
    const health = new TargetHealth(['alertmanager-1'], () => undefined);
    const p = new AlertPipeline([stopping], new FloodControl(true, 10), health, deadLetters, metrics, new JsonLogger('alerts', 'error'), { policy: slow, resolveAfterMs: 1000, liveViewUrl: 'x' });
    const started = Date.now();
    assert.equal(await p.handle(record(alert), io(stop.signal)), 'aborted');
    assert.ok(Date.now() - started < 5000, 'did not wait out the backoff');
    assert.equal(deadLetters.letters.length, 0);
  });

  it('heartbeats while a record takes long', async () => {
    let release: () => void = () => undefined;
    const hanging: DeliveryTarget = { name: 'webhook-1', deliver: () => new Promise<void>((r) => (release = r)) };
    const { p } = pipeline([hanging]);
    const beats = io();
    const outcome = p.handle(record(alert), beats);
    await new Promise((r) => setTimeout(r, 2300));
    release();
    assert.equal(await outcome, 'delivered');
    assert.ok(beats.beats >= 2, `${beats.beats} heartbeats`);
  });
});

describe('backoffMs', () => {
  it('doubles from the initial wait up to the cap, with up to half of it random', () => {
    const p: RetryPolicy = { maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 1000 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffMs(p, n, () => 1)), [100, 200, 400, 800, 1000]);
    assert.deepEqual([1, 2, 5].map((n) => backoffMs(p, n, () => 0)), [50, 100, 500]);
  });
});

describe('idempotencyKey', () => {
  it('is the same for the same alert and differs when what identifies it differs', () => {
    assert.equal(idempotencyKey(alert), idempotencyKey({ ...alert, score: 99 }));
    for (const other of [{ ...alert, ts: 1_001 }, { ...alert, stream: 's-2' }, { ...alert, model: { name: 'm', version: 3 } }]) {
      assert.notEqual(idempotencyKey(other), idempotencyKey(alert));
    }
  });
});

describe('liveViewLink', () => {
  it('appends the stream, encoded', () => {
    assert.equal(liveViewLink('http://h/live', 'a b/c'), 'http://h/live?stream=a%20b%2Fc');
    assert.equal(liveViewLink('http://h/live?x=1', 's'), 'http://h/live?x=1&stream=s');
  });
});

describe('FloodControl', () => {
  it('forgets the stream that resolves soonest past its bound', () => {
    const f = new FloodControl(true, 2);
    assert.ok(f.admit('a', 0, 100));
    assert.ok(f.admit('b', 1, 101));
    assert.ok(f.admit('c', 2, 102));
    assert.equal(f.firing(3), 2);
    assert.ok(f.admit('a', 3, 103), '"a" was forgotten early');
    assert.equal(f.admit('c', 4, 104), false);
  });
});
