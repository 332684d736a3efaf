import type * as Ort from 'onnxruntime-node';
import type { WeightsBundle } from '../../bundle/bundle';
import { EngineUnavailableError } from '../../errors';
import type { StepKernel } from '../kernel';
import { buildStepGraph, type StepGraphIo } from './graph';
import { encodeModel } from './proto';

export interface OnnxKernelOptions {
  /** Default 'cpu'. */
  readonly executionProvider?: 'cpu' | 'cuda';
  /** Default 1. */
  readonly intraOpThreads?: number;
  /** Default false (see EngineConfig). */
  readonly fusedCells?: boolean;
}

type OrtModule = typeof Ort;

/** Loaded lazily so that configurations not using ONNX never load its native binding. */
async function loadOrt(): Promise<OrtModule> {
  // ONNX Runtime's Linux/macOS builds carry Microsoft's 1DS telemetry client, which leaves an empty
  // mat-debug-<pid>.log (and a .ses file) in TMPDIR for every process that opens a session. Its
  // documented switch is this environment variable, read by the native library, so it must be in
  // the process environment before the binding loads. An explicit value from the operator wins.
  process.env['ORT_DISABLE_TELEMETRY'] ??= '1';
  try {
    return await import('onnxruntime-node');
  } catch (cause) {
    throw new EngineUnavailableError('engine "onnx" needs onnxruntime-node: run `npm install onnxruntime-node`', { cause });
  }
}

/**
 * ONNX Runtime kernel: a one-step graph generated from the bundle, run per batch. Session options
 * aim at low per-call overhead for tiny graphs: full graph optimisation (MatMul+Add fusion), one
 * intra-op thread by default, sequential execution, memory arena and pattern reuse on.
 */
export class OnnxKernel implements StepKernel {
  readonly label: string;
  private session: Ort.InferenceSession | null = null;
  private io!: StepGraphIo;
  private inputWidth = 0;
  private stateSizes: number[] = [];

  private constructor(
    private readonly ort: OrtModule,
    private readonly options: OnnxKernelOptions,
  ) {
    this.label = options.executionProvider === 'cuda' ? 'onnx-cuda' : 'onnx';
  }

  static async create(bundle: WeightsBundle, options: OnnxKernelOptions = {}): Promise<OnnxKernel> {
    const kernel = new OnnxKernel(await loadOrt(), options);
    await kernel.load(bundle);
    return kernel;
  }

  /** The serialised ONNX model for a bundle (also handy for inspecting the graph with Netron). */
  static modelBytes(bundle: WeightsBundle, options: OnnxKernelOptions = {}): Uint8Array {
    return encodeModel(buildStepGraph(bundle, options).graph);
  }

  async load(bundle: WeightsBundle): Promise<void> {
    const { graph, io } = buildStepGraph(bundle, this.options);
    const provider = this.options.executionProvider ?? 'cpu';
    let session: Ort.InferenceSession;
    try {
      session = await this.ort.InferenceSession.create(encodeModel(graph), {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: this.options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        enableCpuMemArena: true,
        enableMemPattern: true,
        logSeverityLevel: 3,
      });
    } catch (cause) {
      if (provider === 'cuda') {
        throw new EngineUnavailableError(
          'engine "onnx" with executionProvider "cuda" could not start: install the CUDA build with ' +
            '`npm install onnxruntime-node --onnxruntime-node-install-cuda=v12` (needs an NVIDIA GPU and CUDA 12 / cuDNN 9)',
          { cause },
        );
      }
      throw cause;
    }
    const old = this.session;
    this.session = session;
    this.io = io;
    this.inputWidth = bundle.spec.inputWidth;
    this.stateSizes = graph.inputs.slice(1).map((v) => v.dims[1] as number);
    // Release the old session only after the new one is in place, so a failed rebuild keeps serving.
    if (old !== null) await old.release();
  }

  async run(input: Float32Array, states: Float32Array[], batch: number): Promise<Float32Array> {
    const session = this.session;
    if (session === null) throw new EngineUnavailableError('onnx kernel used after dispose()');
    const { Tensor } = this.ort;
    const feeds: Record<string, Ort.Tensor> = {
      [this.io.input]: new Tensor('float32', input.subarray(0, batch * this.inputWidth), [batch, this.inputWidth]),
    };
    this.io.stateInputs.forEach((name, i) => {
      const size = this.stateSizes[i];
      feeds[name] = new Tensor('float32', states[i].subarray(0, batch * size), [batch, size]);
    });
    const result = await session.run(feeds);
    this.io.stateOutputs.forEach((name, i) => {
      states[i].set(result[name].data as Float32Array);
    });
    return result[this.io.output].data as Float32Array;
  }

  async dispose(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s !== null) await s.release();
  }
}
