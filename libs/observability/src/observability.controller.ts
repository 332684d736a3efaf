import { Controller, Get, Header, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { Metrics } from './metrics';
import { Readiness } from './readiness';

/**
 * `/metrics` (Prometheus text format), `/health/live` (the process serves requests),
 * `/health/ready` and `/health` (every registered dependency check passes; 503 otherwise).
 */
@Controller()
export class ObservabilityController {
  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  renderMetrics(): Promise<string> {
    return this.metrics.render();
  }

  @Get('health/live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }

  @Get(['health', 'health/ready'])
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check(
      this.readiness.all.map((c) => async () => {
        const session = this.indicators.check(c.name);
        try {
          return session.up(await c.check());
        } catch (e) {
          return session.down({ message: e instanceof Error ? e.message : String(e) });
        }
      }),
    );
  }
}
