/**
 * @streamcell/model — recurrent models compiled for per-event streaming inference and trained with
 * truncated BPTT. The only entry point other code may import. See docs/model.md.
 */
export * from './errors';
export { ACTIVATIONS, type ActivationName } from './spec/activations';
export {
  type CellKind,
  type ModelSpec,
  type Normalization,
  type OutputMeaning,
  type AdaptationSpec,
  type SeasonalitySpec,
  type ResolvedSpec,
  type StreamScalingSpec,
  forecastFeatures,
  forecastsChange,
  resolveSpec,
} from './spec/spec';
export { stateTensors, type StateTensorInfo, type TensorShapeEntry, weightShapes } from './spec/shapes';
export { isUniformStack, layerSpecs, type LayerSpec, type ResolvedLayer } from './spec/stack';
export { initWeights, type InitOptions, SeededRandom } from './spec/init';
export { Normalizer } from './spec/normalization';
export { scalerStateSize, StreamTransform, updateScaler } from './spec/stream-transform';
export { architectureFingerprint, createBundle, type CreateBundleOptions, sameArchitecture, type WeightsBundle } from './bundle/bundle';
export {
  BUNDLE_FORMAT_VERSION,
  type BundleManifest,
  type BundleTensorEntry,
  decodeBundle,
  encodeBundle,
  readBundleManifest,
} from './bundle/codec';
export { importKerasModel, type KerasImportOptions, loadKerasModel } from './keras/import';
export { detectModelFile, importModelFile, type ModelFileKind } from './import/import-file';
export type { ImportOptions } from './import/keras-weights';
export { importKerasH5, importKerasV3 } from './import/keras-files';
export { importTfjsLayers } from './import/tfjs-layers';
export { importPyTorch, PyTorchImportError } from './import/pytorch';
export { type EngineParity, PARITY_ENGINES, type ParitySample, paritySample } from './import/parity';
export { DEFAULT_ENGINE, type EngineConfig, engineLabel, type TfjsBackendName } from './engines/config';
export type { StepKernel } from './engines/kernel';
export { createKernel } from './engines/factory';
export { ReferenceKernel } from './engines/reference/kernel';
export { StreamingModel, type StreamingModelOptions } from './engines/streaming-model';
export { type EvictionEvent, type EvictionReason, StateTable, type StateTableOptions } from './state/state-table';
export type { LossName } from './training/losses';
export type { AdamOptions, AdamState } from './training/adam';
export type { SequenceData } from './training/data';
export { tbpttGradients, type TbpttOptions, trainTbptt, type TrainingEngine, type TrainOptions, type TrainResult } from './training/tbptt';
export { releaseTrainingSessions } from './training/onnx/session';
export { evaluateLoss, type EvaluateOptions } from './training/evaluate';
