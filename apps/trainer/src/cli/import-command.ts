import { writeFile } from 'node:fs/promises';
import {
  createBundle,
  encodeBundle,
  importModelFile,
  layerSpecs,
  ModelError,
  type OutputMeaning,
  paritySample,
  type WeightsBundle,
} from '@streamcell/model';

/**
 * `streamcell model import <file>` without Kafka: `--dry-run` (parse, validate, build every engine,
 * print the spec and a parity sample) and `--out <bundle.scwb>` (write the bundle to a file, in the
 * encoding `model export` writes and `model inspect <file>` reads). The Kafka-publishing import in
 * model-cli.ts reads files through `readModelFile` too, so every path accepts the same formats.
 */

export interface ImportIo {
  out(text: string): void;
}

/** A model file that cannot be read or imported, with a message for the user. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
}

/** Reads any supported model file (Keras .keras/.h5, TF.js model.json, PyTorch .safetensors). */
export async function readModelFile(path: string, name: string, output: OutputMeaning | undefined): Promise<{ bundle: WeightsBundle; kind: string }> {
  try {
    return await importModelFile(path, { name, ...(output !== undefined ? { output } : {}) });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E') && !(e instanceof ModelError)) throw new ModelFileError(`cannot read ${path}: ${(e as Error).message}`);
    if (e instanceof SyntaxError) throw new ModelFileError(`cannot read ${path}: not valid JSON (${e.message})`);
    throw new ModelFileError(`cannot import ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** One line per layer: "lstm 16 (tanh/sigmoid, bias)". */
export function describeLayers(bundle: WeightsBundle): string {
  return layerSpecs(bundle.spec)
    .map((l) => {
      const acts = l.cell === 'simple' ? l.activation : `${l.activation}/${l.recurrentActivation}`;
      const reset = l.cell === 'gru' ? (l.resetAfter ? ', reset_after' : ', reset_before') : '';
      return `${l.cell} ${l.units} (${acts}${reset}${l.useBias ? '' : ', no bias'})`;
    })
    .join(' → ');
}

export interface OfflineImportOptions {
  readonly name: string;
  readonly output?: OutputMeaning;
  readonly dryRun: boolean;
  readonly out?: string;
  readonly json: boolean;
}

/** Runs the offline import; returns the exit code (1 when an engine disagrees with the reference). */
export async function runOfflineImport(path: string, options: OfflineImportOptions, io: ImportIo): Promise<number> {
  const { bundle: imported, kind } = await readModelFile(path, options.name, options.output);
  const bundle = createBundle({ name: options.name, spec: imported.spec, tensors: imported.tensors, version: 1, parentVersion: null, metrics: {} });
  let code = 0;
  const report: Record<string, unknown> = { file: path, format: kind, name: bundle.name, spec: bundle.spec, layers: describeLayers(bundle) };
  if (options.dryRun) {
    const parity = await paritySample(bundle);
    report['parity'] = parity;
    if (parity.engines.some((e) => e.maxAbsDiff !== null && !(e.maxAbsDiff <= 1e-5))) code = 1;
  }
  if (options.out !== undefined) {
    await writeFile(options.out, encodeBundle(bundle));
    report['out'] = options.out;
  }
  if (options.json) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return code;
  }
  io.out(`${path}: ${kind} model, ${describeLayers(bundle)} → dense ${bundle.spec.head.units} (${bundle.spec.head.activation}); input width ${bundle.spec.inputWidth}; outputs ${bundle.spec.output.kind}\n`);
  io.out(`spec: ${JSON.stringify(bundle.spec)}\n`);
  const parity = report['parity'] as Awaited<ReturnType<typeof paritySample>> | undefined;
  if (parity !== undefined) {
    io.out(`parity sample (${parity.streams} streams × ${parity.steps} random events, max |engine − reference|):\n`);
    for (const e of parity.engines) io.out(`  ${e.engine.padEnd(12)} ${e.maxAbsDiff === null ? `unavailable here (${e.unavailable ?? ''})` : `${e.maxAbsDiff.toExponential(2)}${e.maxAbsDiff <= 1e-5 ? ' ok' : ' DIFFERS'}`}\n`);
    io.out(`  reference outputs after the last event: ${parity.lastOutputs.map((r) => `[${r.map((v) => v.toPrecision(6)).join(', ')}]`).join(' ')}\n`);
  }
  if (options.out !== undefined) io.out(`wrote ${options.out}: a weights bundle, the format \`model export\` writes (\`streamcell model inspect ${options.out}\` reads it); nothing published\n`);
  else if (options.dryRun) io.out('dry run: nothing published\n');
  return code;
}
