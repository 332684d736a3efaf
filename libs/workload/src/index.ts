export { WorkloadPoster, type PosterOptions, type PosterStats } from './poster';
export {
  changeScale,
  QUALITY_KINDS,
  qualityWorkload,
  realWorkload,
  REAL_SERIES_FIXTURE,
  type QualityKind,
  type QualitySeries,
  type QualityWorkload,
  type QualityWorkloadOptions,
} from './quality-workload';
export { SignalGenerator, type GeneratedEvent, type SignalOptions } from './signal';
