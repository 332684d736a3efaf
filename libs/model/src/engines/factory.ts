import type { WeightsBundle } from '../bundle/bundle';
import type { EngineConfig } from './config';
import type { StepKernel } from './kernel';
import { OnnxKernel } from './onnx/kernel';
import { ReferenceKernel } from './reference/kernel';
import { TfjsKernel } from './tfjs/kernel';

/** Compiles a bundle for the configured runtime. Throws EngineUnavailableError (naming what to install) when it cannot start. */
export async function createKernel(bundle: WeightsBundle, config: EngineConfig): Promise<StepKernel> {
  switch (config.kind) {
    case 'reference':
      return new ReferenceKernel(bundle);
    case 'onnx':
      return OnnxKernel.create(bundle, config);
    case 'tfjs':
      return TfjsKernel.create(bundle, config.backend);
  }
}
