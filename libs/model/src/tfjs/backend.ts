import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradient functions by itself; training (tf.variableGrads) needs them.
// The union package @tensorflow/tfjs and tfjs-layers register them as an import side effect
// (tfjs-core's own register_all_gradients entry is ESM-only and cannot be required).
import '@tensorflow/tfjs-layers';
import type { TfjsBackendName } from '../engines/config';
import { EngineUnavailableError } from '../errors';

export { tf };

const registered = new Set<TfjsBackendName>();

/** Imports a package that is deliberately not a dependency (typed as a plain string so tsc does not resolve it). */
async function importOptional(name: string): Promise<void> {
  await import(name);
}

// Production mode drops TF.js debug checks and its "install tfjs-node" console banner.
tf.enableProdMode();

/**
 * Registers (once) and activates a TF.js backend. The native ones are optional dependencies that
 * download libtensorflow at install time, so they are required only when asked for and a missing
 * one fails with what to install. They must resolve to the same @tensorflow/tfjs-core as this
 * library (same 4.x version) or they register into a different copy of the engine.
 */
export async function useTfjsBackend(name: TfjsBackendName): Promise<void> {
  if (!registered.has(name)) {
    try {
      switch (name) {
        case 'cpu':
          await import('@tensorflow/tfjs-backend-cpu');
          break;
        case 'wasm':
          await import('@tensorflow/tfjs-backend-wasm');
          break;
        case 'tensorflow':
          await importOptional('@tensorflow/tfjs-node');
          break;
        case 'tensorflow-gpu':
          await importOptional('@tensorflow/tfjs-node-gpu');
          break;
      }
    } catch (cause) {
      const pkg = {
        cpu: '@tensorflow/tfjs-backend-cpu',
        wasm: '@tensorflow/tfjs-backend-wasm',
        tensorflow: '@tensorflow/tfjs-node',
        'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
      }[name];
      throw new EngineUnavailableError(`TF.js backend "${name}" is not installed: run \`npm install ${pkg}@4\``, { cause });
    }
    registered.add(name);
  }
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new EngineUnavailableError(`TF.js backend "${name}" failed to initialise on this machine`);
  }
}
