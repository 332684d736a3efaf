import { type BeforeApplicationShutdown, Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { LiveFeed, type LiveStats, type StreamQuality } from './live-feed';
import { livePage } from './live.page';

/**
 * GET /live (the page; `?stream=<id>` preselects a stream), /live/streams, /live/stats (with the
 * overall error figures), /live/streams/:id/quality (the stream's) and /live/streams/:id/feed
 * (server-sent events).
 */
/**
 * Bytes a feed may have waiting for a browser that stopped reading (a paused tab, a stalled
 * network): past it the connection is closed, and the browser's EventSource reconnects and gets
 * the stream's history again. Unbounded, one paused tab held 15 MB after 200k events.
 */
export const MAX_PENDING_FEED_BYTES = 1024 * 1024;

@Controller('live')
export class LiveController implements BeforeApplicationShutdown {
  /** Open feeds: never-ending responses, which would keep the HTTP server from closing. */
  private readonly feeds = new Set<ServerResponse>();

  constructor(@Inject(LiveFeed) private readonly feed: LiveFeed) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return livePage;
  }

  @Get('streams')
  streams(): string[] {
    return this.feed.streams();
  }

  @Get('stats')
  stats(): LiveStats {
    return this.feed.stats();
  }

  @Get('streams/:id/quality')
  quality(@Param('id') id: string): StreamQuality {
    const q = this.feed.quality(id);
    if (q === undefined) throw new NotFoundException(`stream ${JSON.stringify(id)} not seen by the live view (yet)`);
    return q;
  }

  @Get('streams/:id/feed')
  follow(@Param('id') id: string, @Res() reply: FastifyReply): void {
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (item: unknown): void => {
      if (raw.destroyed) return;
      if (raw.writableLength > MAX_PENDING_FEED_BYTES) raw.destroy();
      else raw.write(`data: ${JSON.stringify(item)}\n\n`);
    };
    const { history, unsubscribe } = this.feed.subscribe(id, send);
    this.feeds.add(raw);
    history.forEach(send);
    // A comment line every 15 s keeps proxies from closing an idle stream.
    const keepAlive = setInterval(() => void raw.write(': keep-alive\n\n'), 15_000);
    raw.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      this.feeds.delete(raw);
    });
  }

  /**
   * Ends every feed before the HTTP server closes: the server waits for open responses, and a
   * feed never ends by itself, so one open tab held a graceful shutdown (commits, the producer's
   * flush) until the orchestrator's SIGKILL.
   */
  beforeApplicationShutdown(): void {
    for (const raw of this.feeds) raw.end();
  }
}
