/** TensorFlow.js backends. 'tensorflow'/'tensorflow-gpu' need @tensorflow/tfjs-node(-gpu) installed. */
export type TfjsBackendName = 'wasm' | 'cpu' | 'tensorflow' | 'tensorflow-gpu';

/** Which runtime runs the steps. */
export type EngineConfig =
  /** Plain TypeScript; fastest at batch 1 and for small models. */
  | { readonly kind: 'reference' }
  | {
      readonly kind: 'onnx';
      /** Default 'cpu'. 'cuda' needs an onnxruntime-node build with the CUDA provider and a GPU. */
      readonly executionProvider?: 'cpu' | 'cuda';
      /** Intra-op threads. Default 1: per-step graphs are tiny, and threading costs more than it saves below ~batch 256. */
      readonly intraOpThreads?: number;
      /**
       * Use ONNX's own LSTM/GRU operators when activations are Keras' defaults (tanh/sigmoid)
       * instead of the explicit MatMul/activation graph. Default false: measured slower for one
       * step on CPU (ORT 1.30), see docs/model.md.
       */
      readonly fusedCells?: boolean;
    }
  | { readonly kind: 'tfjs'; readonly backend: TfjsBackendName };

export const DEFAULT_ENGINE: EngineConfig = { kind: 'onnx' };

export function engineLabel(config: EngineConfig): string {
  switch (config.kind) {
    case 'reference':
      return 'reference';
    case 'onnx':
      return config.executionProvider === 'cuda' ? 'onnx-cuda' : 'onnx';
    case 'tfjs':
      return `tfjs-${config.backend}`;
  }
}
