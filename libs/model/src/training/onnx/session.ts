import type * as Ort from 'onnxruntime-node';
import { encodeModel } from '../../engines/onnx/proto';
import { EngineUnavailableError } from '../../errors';
import type { ResolvedSpec } from '../../spec/spec';
import { buildTrainingGraph, type WindowIo, type WindowShape } from './graph';

type OrtModule = typeof Ort;

let ortModule: Promise<OrtModule> | null = null;

/** onnxruntime-node, loaded on first use (as the inference engine does, telemetry off). */
function loadOrt(): Promise<OrtModule> {
  process.env['ORT_DISABLE_TELEMETRY'] ??= '1';
  ortModule ??= import('onnxruntime-node').catch((cause: unknown) => {
    ortModule = null;
    throw new EngineUnavailableError('training engine "onnx" needs onnxruntime-node: run `npm install onnxruntime-node`', { cause });
  });
  return ortModule;
}

export interface WindowResult {
  readonly loss: number;
  /**
   * Per weight tensor, weightShapes(spec) order. Pre-allocated and overwritten by the next run of
   * this program: use them (Adam, a sum) before running it again.
   */
  readonly grads: Float32Array[];
  /** States after each requested offset, stateTensors order, [batch, size] each. */
  readonly emitted: ReadonlyMap<number, Float32Array[]>;
}

/** One compiled window graph: weights, inputs and states in; loss, gradients and states out. */
export class WindowProgram {
  /** Loss and gradients are written into these by every run (session.run's fetches), not allocated. */
  private readonly lossOut = new Float32Array(1);
  private readonly gradsOut: Float32Array[];
  private readonly fixedFetches: Record<string, Ort.Tensor>;

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    private readonly io: WindowIo,
    private readonly dims: { weights: number[][]; x: number[]; y: number[]; states: number[][] },
  ) {
    this.gradsOut = dims.weights.map((d) => new Float32Array(d.reduce((a, b) => a * b, 1)));
    this.fixedFetches = { [io.loss]: new ort.Tensor('float32', this.lossOut, []) };
    io.grads.forEach((name, i) => (this.fixedFetches[name] = new ort.Tensor('float32', this.gradsOut[i], dims.weights[i])));
  }

  static async create(spec: ResolvedSpec, shape: WindowShape, threads: number): Promise<WindowProgram> {
    const ort = await loadOrt();
    const { graph, io } = buildTrainingGraph(spec, shape);
    const session = await ort.InferenceSession.create(encodeModel(graph), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableCpuMemArena: true,
      enableMemPattern: true,
      logSeverityLevel: 3,
    });
    const dimsOf = (name: string): number[] => graph.inputs.find((v) => v.name === name)!.dims as number[];
    return new WindowProgram(ort, session, io, { weights: io.weights.map(dimsOf), x: dimsOf(io.x), y: dimsOf(io.y), states: io.states.map(dimsOf) });
  }

  async run(weights: readonly Float32Array[], x: Float32Array, y: Float32Array, states: readonly Float32Array[]): Promise<WindowResult> {
    const { Tensor } = this.ort;
    const feeds: Record<string, Ort.Tensor> = { [this.io.x]: new Tensor('float32', x, this.dims.x), [this.io.y]: new Tensor('float32', y, this.dims.y) };
    this.io.weights.forEach((name, i) => (feeds[name] = new Tensor('float32', weights[i], this.dims.weights[i])));
    this.io.states.forEach((name, i) => (feeds[name] = new Tensor('float32', states[i], this.dims.states[i])));
    // Emitted states outlive the run (the next window starts from them): fresh arrays each time.
    const fetches: Record<string, Ort.Tensor> = { ...this.fixedFetches };
    const emitted = new Map<number, Float32Array[]>();
    for (const [k, names] of this.io.emitted) {
      const arrays = names.map((_, i) => new Float32Array(this.dims.states[i][0] * this.dims.states[i][1]));
      names.forEach((name, i) => (fetches[name] = new Tensor('float32', arrays[i], this.dims.states[i])));
      emitted.set(k, arrays);
    }
    await this.session.run(feeds, fetches);
    return { loss: this.lossOut[0], grads: this.gradsOut, emitted };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Compiled windows by (spec, shape, threads). Few shapes occur: the trainer's is always the same. */
const cache = new Map<string, Promise<WindowProgram>>();
const CACHE_LIMIT = 16;

export function windowProgram(spec: ResolvedSpec, shape: WindowShape, threads: number): Promise<WindowProgram> {
  const key = JSON.stringify([spec, shape, threads]);
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Most recently used last, so eviction drops the oldest.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const created = WindowProgram.create(spec, shape, threads);
  created.catch(() => cache.delete(key));
  cache.set(key, created);
  // Releasing the oldest is safe while callers train one call at a time (the trainer does); a
  // concurrent caller still running it would see a released session.
  if (cache.size > CACHE_LIMIT) {
    const [oldestKey, oldest] = cache.entries().next().value!;
    cache.delete(oldestKey);
    void oldest.then((p) => p.release()).catch(() => undefined);
  }
  return created;
}

/** Releases every cached training session (tests, shutdown). Later calls compile again. */
export async function releaseTrainingSessions(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
}
