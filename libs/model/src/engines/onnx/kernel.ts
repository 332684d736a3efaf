import type * as Ort from 'onnxruntime-node';
import type { WeightsBundle } from '../../bundle/bundle';
import { EngineUnavailableError } from '../../errors';
import type { StepKernel } from '../kernel';
import { TensorBindings } from './bindings';
import { buildStepGraph } from './graph';
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
 * aim at low per-call overhead for tiny graphs: full graph optimisation (Gemm+activation fusion), one
 * intra-op thread by default, sequential execution, memory arena and pattern reuse on.
 */
export class OnnxKernel implements StepKernel {
  readonly label: string;
  private session: Ort.InferenceSession | null = null;
  private stateSizes: number[] = [];
  private bindings: TensorBindings | null = null;
  /** run()'s new states before they are copied over the caller's (runInto needs no such copy). */
  private scratchOut: Float32Array[] = [];

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
    this.stateSizes = graph.inputs.slice(1).map((v) => v.dims[1] as number);
    this.bindings?.clear();
    this.bindings = new TensorBindings(this.ort.Tensor, io, bundle.spec.inputWidth, this.stateSizes, bundle.spec.head.units);
    this.scratchOut = [];
    // Release the old session only after the new one is in place, so a failed rebuild keeps serving.
    if (old !== null) await old.release();
  }

  async run(input: Float32Array, states: Float32Array[], batch: number): Promise<Float32Array> {
    if (this.scratchOut.length === 0 || this.scratchOut[0].length < batch * this.stateSizes[0]) {
      this.scratchOut = this.stateSizes.map((size) => new Float32Array(batch * size));
    }
    const y = await this.runInto(input, states, this.scratchOut, batch);
    this.stateSizes.forEach((size, i) => states[i].set(this.scratchOut[i].subarray(0, batch * size)));
    return y;
  }

  /**
   * One step with pre-allocated outputs (`session.run(feeds, fetches)`): ORT writes the new states
   * into `statesOut` and the head's output into a reused array, and the tensors over the caller's
   * buffers are made once per batch size (TensorBindings), not per call.
   */
  async runInto(input: Float32Array, states: Float32Array[], statesOut: Float32Array[], batch: number): Promise<Float32Array> {
    const session = this.session;
    const bindings = this.bindings;
    if (session === null || bindings === null) throw new EngineUnavailableError('onnx kernel used after dispose()');
    const b = bindings.get(input, states, statesOut, batch);
    await session.run(b.feeds, b.fetches);
    return b.y;
  }

  async dispose(): Promise<void> {
    const s = this.session;
    this.session = null;
    this.bindings?.clear();
    this.bindings = null;
    if (s !== null) await s.release();
  }
}
