import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { JsonLogger } from './logger';
import { Metrics } from './metrics';
import { ObservabilityController } from './observability.controller';
import { Readiness } from './readiness';

export interface ObservabilityOptions {
  readonly metrics: Metrics;
  readonly logger: JsonLogger;
}

/** Metrics, health and logging for one app instance; global so every module can inject them. */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      // Terminus logs failed checks through its own logger; readiness failures are expected during
      // outages and are already visible in the /health answer and metrics.
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
      controllers: [ObservabilityController],
      providers: [
        { provide: Metrics, useValue: options.metrics },
        { provide: JsonLogger, useValue: options.logger },
        Readiness,
      ],
      exports: [Metrics, JsonLogger, Readiness],
    };
  }
}
