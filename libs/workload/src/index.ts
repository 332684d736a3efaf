export { WorkloadPoster, type PosterOptions, type PosterStats } from './poster';
export { QUALITY_KINDS, type QualityKind } from './quality-kinds';
export {
  changeScale,
  qualityWorkload,
  type QualitySeries,
  type QualityWorkload,
  type QualityWorkloadOptions,
} from './quality-workload';
export { realWorkload, REAL_SERIES_FIXTURE } from './real-workload';
export { SignalGenerator, type GeneratedEvent, type SignalOptions } from './signal';
