import 'reflect-metadata';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import type { KafkaAdmin, KafkaConnection } from '@streamcell/kafka';
import { loadConfig } from '@streamcell/config';
import { JsonLogger } from '@streamcell/observability';
import { createHttpApp } from '@streamcell/service';
import { ingestSchema } from '../config';
import { httpServerOptions } from '../http-limits';
import { LiveFeed } from './live-feed';
import { LiveController, MAX_PENDING_FEED_BYTES } from './live.controller';

const quiet = new JsonLogger('ingest', 'error', () => undefined);
// The feed is only fed by hand here: no consumers are started.
const newFeed = (): LiveFeed => new LiveFeed({} as KafkaConnection, { deleteGroups: () => Promise.resolve() } as unknown as KafkaAdmin, { events: 'e', predictions: 'p', alerts: 'a' }, quiet);
const event = (ts: number): string => JSON.stringify({ v: 1, stream: 's', ts, values: [1, 2, 3, 4, 5, 6, 7, 8] });

describe('live view feed', () => {
  it('closes the feed of a browser that stopped reading instead of buffering for it without end', async () => {
    const feed = newFeed();
    const controller = new LiveController(feed);
    let response: http.ServerResponse | undefined;
    const server = http.createServer((_req, res) => {
      response = res;
      controller.follow('s', { raw: res } as never);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () => socket.write('GET /live/streams/s/feed HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.pause(); // a suspended tab
    try {
      while (response === undefined) await new Promise((r) => setTimeout(r, 10));
      const now = Date.now();
      for (let i = 0; i < 100_000; i++) feed.record('events', event(now - 100_000 + i));
      assert.equal(response.destroyed, true, 'the connection was closed');
      assert.ok(response.writableLength <= MAX_PENDING_FEED_BYTES + 4096, `${response.writableLength} bytes held for it`);
    } finally {
      socket.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('does not hold a graceful shutdown while a feed is open', async () => {
    @Module({ controllers: [LiveController], providers: [{ provide: LiveFeed, useValue: newFeed() }] })
    class LiveOnly {}
    const app = await createHttpApp({ module: LiveOnly }, quiet);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    let ended = false;
    await new Promise<void>((r) =>
      http.get(`${url}/live/streams/s/feed`, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => (ended = true));
        r();
      }),
    );
    const outcome = await Promise.race([app.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still closing after 5 s'), 5000))]);
    assert.equal(outcome, 'closed');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(ended, 'the browser saw its feed end (its EventSource reconnects elsewhere)');
  });

  it('routes every stream id ingest accepts, at its full length and in any script', async () => {
    @Module({ controllers: [LiveController], providers: [{ provide: LiveFeed, useValue: newFeed() }] })
    class LiveOnly {}
    const config = loadConfig(ingestSchema, {});
    const app = await createHttpApp({ module: LiveOnly }, quiet, httpServerOptions(config));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = await app.getUrl();
      for (const id of ['s'.repeat(config.maxStreamIdLength), '計'.repeat(config.maxStreamIdLength), '😀'.repeat(config.maxStreamIdLength / 2)]) {
        const res = await fetch(`${url}/live/streams/${encodeURIComponent(id)}/quality`);
        assert.equal(res.status, 404, `${id.length} units: not seen yet, rather than 414`);
      }
    } finally {
      await app.close();
    }
  });
});
