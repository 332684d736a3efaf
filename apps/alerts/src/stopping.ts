import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/**
 * Aborted when the application starts closing. Nest calls onModuleDestroy before it closes the
 * microservice, and kafkajs's disconnect waits for the handler that is running: without this, a
 * delivery in its retry backoff would hold the shutdown for minutes.
 */
@Injectable()
export class Stopping implements OnModuleDestroy {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  onModuleDestroy(): void {
    this.controller.abort();
  }
}
