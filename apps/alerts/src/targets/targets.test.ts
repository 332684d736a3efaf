import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertV1 } from '@streamcell/events';
import { toPostableAlert, AlertmanagerTarget } from './alertmanager-target';
import { postJson } from './http-post';
import { DeliveryError, type Delivery } from './target';
import { signWebhook, webhookBody, WebhookTarget } from './webhook-target';

const alert: AlertV1 = { stream: 'pump-1', ts: 1_764_420_000_000, rule: 'residual_zscore', score: 8.5, threshold: 1, residual: 2.5, expected: [1, NaN], actual: [3, 4], model: { name: 'm', version: 7 } };
const delivery: Delivery = { alert, idempotencyKey: 'k'.repeat(32), startsAt: new Date(alert.ts), endsAt: new Date(alert.ts + 60_000), liveViewUrl: 'http://live?stream=pump-1' };

/** A local HTTP server that answers each request with the next status of `statuses` (the last repeats). */
describe('targets over HTTP', () => {
  let server: Server;
  let base: string;
  const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let status = 200;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(status).end(status === 200 ? '' : 'nope');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const attempt = async (): Promise<DeliveryError | undefined> => {
    try {
      await postJson(`${base}/x`, '{}', {}, 2000, new AbortController().signal);
      return undefined;
    } catch (e) {
      return e as DeliveryError;
    }
  };

  it('classifies answers: 2xx accepted; 5xx, 408, 429 retriable; other 4xx refused for good', async () => {
    const verdicts: Record<number, string> = {};
    for (const s of [200, 202, 400, 401, 404, 408, 429, 500, 503]) {
      status = s;
      const e = await attempt();
      verdicts[s] = e === undefined ? 'ok' : e.retriable ? 'retry' : 'refused';
    }
    assert.deepEqual(verdicts, { 200: 'ok', 202: 'ok', 400: 'refused', 401: 'refused', 404: 'refused', 408: 'retry', 429: 'retry', 500: 'retry', 503: 'retry' });
    status = 200;
  });

  it('an unreachable target is retriable', async () => {
    const e = await postJson('http://127.0.0.1:1/x', '{}', {}, 2000, new AbortController().signal).catch((x: unknown) => x);
    assert.ok(e instanceof DeliveryError && e.retriable, String(e));
    assert.match(e.message, /unreachable/);
  });

  it('Alertmanager: POSTs one postable alert to /api/v2/alerts under the base path', async () => {
    seen.length = 0;
    await new AlertmanagerTarget({ name: 'am', url: `${base}/prefix/`, severity: 'critical', timeoutMs: 2000 }).deliver(delivery, new AbortController().signal);
    assert.equal(seen[0].url, '/prefix/api/v2/alerts');
    assert.deepEqual(JSON.parse(seen[0].body), [JSON.parse(JSON.stringify(toPostableAlert(delivery, 'critical')))]);
  });

  it('webhook: signs "<t>.<body>" with HMAC-SHA256 and sends the idempotency key', async () => {
    seen.length = 0;
    const target = new WebhookTarget({ name: 'w', url: `${base}/hook`, secret: 's3cret', timeoutMs: 2000 }, () => 1_700_000_000_500);
    await target.deliver(delivery, new AbortController().signal);
    const { headers, body } = seen[0];
    const mac = createHmac('sha256', 's3cret').update(`1700000000.${body}`).digest('hex');
    assert.equal(headers['x-streamcell-signature'], `t=1700000000,v1=${mac}`);
    assert.equal(headers['idempotency-key'], delivery.idempotencyKey);
    const json = JSON.parse(body) as Record<string, unknown>;
    assert.equal(json.idempotencyKey, delivery.idempotencyKey);
    assert.deepEqual(json.alert, { ...alert, expected: [1, null] });
  });
});

describe('toPostableAlert', () => {
  it('has the labels Alertmanager routes on and the forecast, actual and live view as annotations', () => {
    const a = toPostableAlert(delivery, 'warning') as { labels: unknown; annotations: Record<string, string>; startsAt: string; endsAt: string };
    assert.deepEqual(a.labels, { alertname: 'StreamcellAnomaly', stream: 'pump-1', model: 'm', model_version: '7', severity: 'warning' });
    assert.equal(a.annotations.summary, 'stream pump-1: residual_zscore score 8.5 (forecast error 2.5, threshold 1)');
    assert.equal(a.annotations.forecast, '[1, NaN]');
    assert.equal(a.annotations.actual, '[3, 4]');
    assert.equal(a.annotations.live_view, delivery.liveViewUrl);
    assert.equal(a.endsAt, '2025-11-29T12:41:00.000Z');
    assert.equal((a as { generatorURL?: string }).generatorURL, delivery.liveViewUrl);
  });

  it('carries no live view link when none is configured (no dead link to an address nobody reaches)', () => {
    const a = toPostableAlert({ ...delivery, liveViewUrl: undefined }, 'warning') as { annotations: Record<string, string>; generatorURL?: string };
    assert.equal('live_view' in a.annotations, false);
    assert.equal('generatorURL' in a, false);
    assert.equal((JSON.parse(webhookBody({ ...delivery, liveViewUrl: undefined })) as { liveViewUrl: unknown }).liveViewUrl, null);
  });
});

describe('signWebhook', () => {
  it('changes with the timestamp, so a replayed signature does not fit a new time', () => {
    assert.notEqual(signWebhook('k', 1, 'b'), signWebhook('k', 2, 'b'));
  });
});
