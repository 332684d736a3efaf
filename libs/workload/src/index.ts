export { WorkloadPoster, type PosterOptions, type PosterStats } from './poster';
export { SignalGenerator, type GeneratedEvent, type SignalOptions } from './signal';
