import { type DynamicModule, Module } from '@nestjs/common';
import { JsonLogger, Metrics, ObservabilityModule } from '@streamcell/observability';
import { INGEST_CONFIG, type IngestConfig } from './config';
import { EventIntake, intakeFromConfig } from './event-intake';
import { EventsController } from './events.controller';
import { HttpIntakeService } from './http-intake.service';
import { IngestKafka } from './ingest-kafka';
import { IngestLifecycle } from './ingest.lifecycle';
import { IngestMetrics } from './ingest.metrics';
import { RawForwarder } from './raw-forwarder';
import { ApiKeyGuard } from './api-key.guard';
import { LiveFeed } from './live/live-feed';
import { LiveController } from './live/live.controller';

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig, logger: JsonLogger): DynamicModule {
    const metrics = new Metrics('ingest');
    return {
      module: IngestModule,
      imports: [ObservabilityModule.forRoot({ metrics, logger })],
      controllers: config.liveView ? [EventsController, LiveController] : [EventsController],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: IngestMetrics, useValue: new IngestMetrics(metrics) },
        { provide: EventIntake, useValue: intakeFromConfig(config) },
        { provide: IngestKafka, useValue: new IngestKafka(config, logger) },
        {
          provide: RawForwarder,
          inject: [EventIntake, IngestKafka, IngestMetrics],
          useFactory: (intake: EventIntake, kafka: IngestKafka, m: IngestMetrics) => new RawForwarder(config, intake, kafka, m, logger),
        },
        {
          provide: LiveFeed,
          inject: [IngestKafka],
          useFactory: (kafka: IngestKafka) =>
            new LiveFeed(kafka.connection, kafka.admin, { events: config.events, predictions: config.predictions, alerts: config.alerts }, logger),
        },
        HttpIntakeService,
        ApiKeyGuard,
        IngestLifecycle,
      ],
    };
  }
}
