import { Body, Controller, Inject, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard } from './api-key.guard';
import { HttpIntakeService } from './http-intake.service';
import { IngestMetrics } from './ingest.metrics';

@Controller('v1/events')
export class EventsController {
  constructor(
    @Inject(HttpIntakeService) private readonly intake: HttpIntakeService,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
  ) {}

  /** The body arrives as raw bytes (see app.factory.ts) so malformed JSON can be dead-lettered. */
  @Post()
  @UseGuards(ApiKeyGuard)
  async post(@Body() body: Buffer, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown>> {
    const receivedAt = Date.now();
    this.metrics.inFlightRequests.inc();
    const end = this.metrics.requestDuration.startTimer();
    let status = 500;
    try {
      const answer = await this.intake.handle(Buffer.isBuffer(body) ? body : Buffer.alloc(0), receivedAt);
      status = answer.status;
      void reply.status(answer.status);
      if (answer.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(answer.retryAfterSeconds));
      return answer.body;
    } finally {
      this.metrics.inFlightRequests.dec();
      end({ status: String(status) });
    }
  }
}
