import type { WeightsBundle } from '../bundle/bundle';
import { type EngineConfig, engineLabel } from '../engines/config';
import { StreamingModel } from '../engines/streaming-model';
import { EngineUnavailableError } from '../errors';
import { SeededRandom } from '../spec/init';

export interface EngineParity {
  readonly engine: string;
  /** Max |output − reference output| over the sample; null when the engine cannot run here. */
  readonly maxAbsDiff: number | null;
  /** Why the engine could not run (EngineUnavailableError's message). */
  readonly unavailable?: string;
}

export interface ParitySample {
  readonly streams: number;
  readonly steps: number;
  /** The reference engine's outputs after the last step, [streams, head units]. */
  readonly lastOutputs: number[][];
  readonly engines: readonly EngineParity[];
}

export const PARITY_ENGINES: readonly EngineConfig[] = [{ kind: 'onnx' }, { kind: 'tfjs', backend: 'cpu' }, { kind: 'tfjs', backend: 'wasm' }];

async function stream(bundle: WeightsBundle, engine: EngineConfig, inputs: Float32Array[], streams: number): Promise<Float32Array[]> {
  const model = await StreamingModel.create({ bundle, engine, capacity: streams });
  const ids = Array.from({ length: streams }, (_, i) => `sample-${i}`);
  try {
    const outs: Float32Array[] = [];
    for (const x of inputs) outs.push(Float32Array.from(await model.step(ids, x)));
    return outs;
  } finally {
    await model.dispose();
  }
}

/**
 * Builds every engine from the bundle and streams the same seeded random events through each,
 * comparing every output with the reference kernel's: an import check that needs no Kafka.
 */
export async function paritySample(bundle: WeightsBundle, options: { streams?: number; steps?: number; seed?: number; engines?: readonly EngineConfig[] } = {}): Promise<ParitySample> {
  const streams = options.streams ?? 3;
  const steps = options.steps ?? 16;
  const rng = new SeededRandom(options.seed ?? 14);
  const width = bundle.spec.inputWidth;
  const inputs = Array.from({ length: steps }, () => Float32Array.from({ length: streams * width }, () => rng.normal()));
  // Raw outputs, so the comparison is of what the networks compute.
  const raw: WeightsBundle = { ...bundle, spec: { ...bundle.spec, output: { kind: 'raw' } } };
  const reference = await stream(raw, { kind: 'reference' }, inputs, streams);
  const engines: EngineParity[] = [];
  for (const engine of options.engines ?? PARITY_ENGINES) {
    try {
      const outs = await stream(raw, engine, inputs, streams);
      let max = 0;
      outs.forEach((y, t) => y.forEach((v, i) => (max = Math.max(max, Math.abs(v - reference[t][i])))));
      engines.push({ engine: engineLabel(engine), maxAbsDiff: max });
    } catch (e) {
      if (!(e instanceof EngineUnavailableError)) throw e;
      engines.push({ engine: engineLabel(engine), maxAbsDiff: null, unavailable: e.message });
    }
  }
  const units = bundle.spec.head.units;
  const last = reference[reference.length - 1];
  return { streams, steps, lastOutputs: Array.from({ length: streams }, (_, s) => Array.from(last.subarray(s * units, (s + 1) * units))), engines };
}
