import { createBundle, type ModelSpec, type WeightsBundle } from '@streamcell/model';
import type { TrainerConfig } from '../config';

/** The spec a model is bootstrapped from when model.weights has none (TRAINER_BOOTSTRAP=init). */
export function bootstrapSpec(config: TrainerConfig): ModelSpec {
  return {
    cell: config.cell,
    layers: config.layers.map(Number),
    inputWidth: config.inputWidth,
    head: { units: config.headUnits === 0 ? config.inputWidth : config.headUnits, activation: 'linear' },
    output: { kind: 'next-values', delta: config.forecast === 'change' },
    ...(config.scaling === 'per-stream' ? { streamScaling: { halfLife: config.scalingHalfLife } } : {}),
    ...(config.forecast === 'change' && config.adaptationHalfLife > 0 ? { adaptation: { halfLife: config.adaptationHalfLife } } : {}),
    ...(config.forecast === 'change' && config.adaptationHalfLife > 0 && config.seasonalPeriod > 1 ? { seasonality: { period: config.seasonalPeriod } } : {}),
  };
}

/** The bundle a model is bootstrapped with (the registry numbers it when it publishes it). */
export function bootstrapBundle(config: TrainerConfig): WeightsBundle {
  return createBundle({ name: config.modelName, spec: bootstrapSpec(config), init: { seed: config.seed }, parentVersion: null, metrics: {} });
}
