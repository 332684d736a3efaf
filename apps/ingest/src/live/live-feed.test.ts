import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAlert } from '@streamcell/events';
import type { KafkaAdmin, KafkaConnection } from '@streamcell/kafka';
import type { JsonLogger } from '@streamcell/observability';
import { LiveFeed, type LiveItem } from './live-feed';
import { itemBytes, LiveHistory } from './live-history';

// record() is the whole aggregation; the Kafka side is never started in these tests.
const feed = (): LiveFeed =>
  new LiveFeed({} as KafkaConnection, {} as KafkaAdmin, { events: 'e', predictions: 'p', alerts: 'a' }, {} as JsonLogger, { quality: { minScored: 2 } });

const event = (stream: string, ts: number, values: number[]): string => JSON.stringify({ v: 1, stream, ts, values });
const prediction = (stream: string, ts: number, output: (number | null)[], version: number, threshold?: number): string =>
  JSON.stringify({ v: 1, stream, ts, partition: 0, offset: String(ts), model: { name: 'm', version }, output, latencyMs: 1, threshold });

describe('LiveFeed aggregation', () => {
  it('hands items to the stream\'s watchers with version and threshold; NaN forecasts are not scored', () => {
    const f = feed();
    const seen: LiveItem[] = [];
    const { history, unsubscribe } = f.subscribe('a', (i) => seen.push(i));
    assert.deepEqual(history, []);
    for (let t = 1; t <= 5; t++) {
      f.record('events', event('a', t, [t % 2, 0]));
      f.record('predictions', prediction('a', t, [(t + 1) % 2, null], t < 3 ? 1 : 2, t > 1 ? 0.5 : undefined));
    }
    unsubscribe();
    f.record('events', event('a', 6, [0, 0]));
    assert.equal(seen.length, 10, 'nothing after unsubscribe');
    const p = seen.filter((i) => i.kind === 'prediction');
    assert.deepEqual(p.map((i) => i.version), [1, 1, 2, 2, 2]);
    assert.equal(p[0].threshold, undefined, 'absent while warming up');
    assert.equal(p[1].threshold, 0.5);
    assert.ok(Number.isNaN(p[0].output[1]), 'a null output reads as NaN, not 0');
    // Each forecast of feature 0 was exact; last-value was off by 1 every time. Feature 1's
    // forecast is NaN, so those events are not scored at all.
    assert.equal(f.quality('a')?.scored, 0);
  });

  it('reports the stream\'s and the overall error against last-value', () => {
    const f = feed();
    for (let t = 1; t <= 10; t++) {
      f.record('events', event('good', t, [t % 2]));
      f.record('predictions', prediction('good', t, [(t + 1) % 2], 1)); // exact
      f.record('events', event('bad', t, [1000 * (t % 2)]));
      f.record('predictions', prediction('bad', t, [3000], 1)); // further off than last-value
    }
    const good = f.quality('good')!;
    assert.equal(good.scored, 9);
    assert.equal(good.recent.ratio, 0);
    assert.ok(f.quality('bad')!.recent.ratio! > 1);
    assert.equal(f.quality('unknown'), undefined);
    const q = f.stats().quality;
    assert.equal(q.streams, 2);
    assert.equal(q.beating, 1);
    assert.ok(q.medianRatio !== null && q.p90Ratio !== null && q.p90Ratio > 1);
  });

  it('skips records it cannot read by throwing, leaving its state as it was', () => {
    const f = feed();
    assert.throws(() => f.record('events', '{not json'));
    // Predictions and alerts are held to their libs/events formats too, not just parsed.
    assert.throws(() => f.record('predictions', JSON.stringify({ v: 1, stream: 'a', ts: 1, output: [0] })), /invalid_prediction: "partition"/);
    assert.throws(() => f.record('predictions', JSON.stringify({ v: 2, stream: 'a' })), /unsupported_version/);
    assert.throws(() => f.record('alerts', JSON.stringify({ v: 1, stream: 'a', ts: 1 })), /invalid_alert/);
    assert.throws(() => f.record('alerts', null), /malformed_json/);
    assert.deepEqual(f.streams(), []);
    assert.equal(f.stats().alertsTotal, 0);
    assert.equal(f.stats().modelVersion, 0);
  });

  it('hands alerts as encodeAlert wrote them to the stream\'s watchers', () => {
    const f = feed();
    const seen: LiveItem[] = [];
    f.subscribe('a', (i) => seen.push(i));
    const alert = { stream: 'a', ts: 5, rule: 'residual_zscore', score: 7.5, threshold: 1, residual: 3, expected: [1, NaN], actual: [4, 2], model: { name: 'm', version: 3 } };
    f.record('alerts', Buffer.from(encodeAlert(alert)));
    assert.equal(f.stats().alertsTotal, 1);
    assert.equal(seen.length, 1);
    const item = seen[0];
    assert.ok(item.kind === 'alert');
    assert.equal(item.score, 7.5);
    assert.equal(item.version, 3);
    assert.deepEqual(item.actual, [4, 2]);
    assert.ok(Number.isNaN(item.expected[1]), 'a null in the alert reads as NaN');
  });
});

describe('LiveHistory', () => {
  const ev = (ts: number, width = 1): LiveItem => ({ kind: 'event', ts, values: new Array<number>(width).fill(0) });

  it('keeps the last points per stream, events before predictions and alerts', () => {
    const h = new LiveHistory({ points: 3, alerts: 1 });
    for (let t = 0; t < 5; t++) {
      h.add('s', { kind: 'alert', ts: t, score: 5, expected: [0], actual: [1], version: 1 });
      h.add('s', { kind: 'prediction', ts: t, output: [0], version: 1 });
      h.add('s', ev(t));
    }
    assert.deepEqual(h.items('s').map((i) => `${i.kind[0]}${i.ts}`), ['e2', 'e3', 'e4', 'p2', 'p3', 'p4', 'a4']);
    assert.equal(h.bytes, h.items('s').reduce((n, i) => n + itemBytes(i), 0), 'bytes follow what is kept');
  });

  it('drops the least recently active streams beyond the stream count and the byte budget', () => {
    const h = new LiveHistory({ maxStreams: 2 });
    h.add('a', ev(1));
    h.add('b', ev(1));
    h.add('a', ev(2));
    h.add('c', ev(1));
    assert.deepEqual(h.ids(), ['c', 'a']);

    const wide = itemBytes(ev(0, 1000));
    const small = new LiveHistory({ maxBytes: wide * 3 });
    for (let s = 0; s < 10; s++) small.add(`s${s}`, ev(0, 1000));
    assert.ok(small.bytes <= wide * 3);
    assert.deepEqual(small.ids(), ['s9', 's8', 's7']);
    // one stream wider than the whole budget still keeps its newest item
    const tiny = new LiveHistory({ maxBytes: 10 });
    tiny.add('x', ev(0, 1000));
    assert.equal(tiny.items('x').length, 1);
  });
});

describe('LiveFeed start', () => {
  it('leaves no consumer group behind when a topic is missing and start() is retried', async () => {
    const joined: string[] = [];
    const deleted: string[] = [];
    const connection = {
      consumer: (o: { groupId: string; topics: string[] }) => ({
        start: () => {
          if (o.topics[0] !== 'e') return Promise.reject(new Error('This server does not host this topic-partition'));
          joined.push(o.groupId);
          return Promise.resolve();
        },
        stop: () => Promise.resolve(),
      }),
    } as unknown as KafkaConnection;
    const admin = { deleteGroups: (groups: readonly string[]) => (deleted.push(...groups), Promise.resolve()) } as unknown as KafkaAdmin;
    const live = new LiveFeed(connection, admin, { events: 'e', predictions: 'p', alerts: 'a' }, {} as JsonLogger);
    for (let i = 0; i < 5; i++) await assert.rejects(live.start(), /does not host/);
    assert.equal(joined.length, 5);
    // Every group an attempt made is deleted with it: the one that joined 'e' and the one that could not join 'p'.
    assert.equal(deleted.length, 10);
    for (const g of joined) assert.ok(deleted.includes(g), g);
    // A start that fails because the feed was stopped meanwhile leaves the admin alone: stop()
    // disconnected it, and a call would connect it again (a process that never exits).
    await live.stop();
    const after = deleted.length;
    await assert.rejects(live.start(), /stopped/);
    assert.equal(deleted.length, after);
  });
});
