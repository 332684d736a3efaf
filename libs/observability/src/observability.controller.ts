import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { Metrics } from './metrics';
import { Readiness, type HealthReport } from './readiness';

/**
 * `/metrics` (Prometheus text format), `/health/live` (the process serves requests),
 * `/health/ready` (every *required* check passes: this instance should get traffic; 503
 * otherwise) and `/health` (every check passes, informational ones included). Both health answers
 * list every check and are computed from state the service holds: they never wait on Kafka.
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

  @Get('health/ready')
  ready(): HealthReport {
    return answer(this.readiness.evaluate('ready'));
  }

  @Get('health')
  overall(): HealthReport {
    return answer(this.readiness.evaluate('all'));
  }
}

/** 200 with the report, or 503 with the same body (Nest writes an object exception as the body). */
function answer(report: HealthReport): HealthReport {
  if (report.status === 'error') throw new ServiceUnavailableException(report);
  return report;
}
