export { JsonLogger, type LogLevel, type LogSink } from './logger';
export { initLabels, latencyBuckets, Metrics, type GaugeAggregation, type MetricsJson } from './metrics';
export { ObservabilityModule, type ObservabilityOptions } from './observability.module';
export { Readiness, type CheckResult, type HealthReport, type ReadinessCheck } from './readiness';
