import { ConfigError, loadConfig, type Environment } from '@streamcell/config';
import type { OutputMeaning } from '@streamcell/model';
import { MODEL_NAME_PATTERN } from '@streamcell/registry';
import { modelTopicsSchema } from '../config';
import { CliError, type CliIo } from './cli-io';
import { runOfflineImport } from './import-command';
import { ModelOps } from './model-ops';

export const usage = `usage: streamcell model <command> [options]

commands:
  list                              every version on model.weights: lineage, figures against the baselines, who published it
  import <file>                     import a model and publish it as the new head: Keras 3 model.keras, Keras .h5,
                                    TF.js model.json (tensorflowjs_converter), PyTorch .safetensors (state dict)
      [--output next-values|raw]    what the head outputs mean (default: next-values when head units <= input width)
      [--force]                     publish even if its input width or outputs differ from the current head
      [--dry-run]                   no Kafka: parse, validate, build every engine, print the spec and a parity sample
      [--out <bundle.scwb>]         no Kafka: write the bundle to a file instead of publishing it
  export <version|latest> <file>    write a version's bundle to a file
  rollback <version>                re-publish an older version as the new head (new version number, parent = that version)
  inspect <version|latest|file>     print a bundle's manifest (from model.weights or a file)
  pin <version>                     serve this version (and train from it) whatever is published after it
  unpin                             serve the highest valid version again

options:
  --model <name>    the model (key on model.weights); default $MODEL_NAME or "default"
  --json            machine-readable output (list, inspect)

Kafka and topics come from the environment, as for the services (KAFKA_BROKERS, TOPIC_MODEL_WEIGHTS, MODEL_MAX_BYTES, ...).`;

interface Parsed {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

function parseArgs(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const valued = new Set(['--model', '--output', '--out']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        // An on/off flag has no value: `--force=false` must not force.
        const name = a.slice(0, eq);
        if (!valued.has(name)) throw new CliError(`${name} takes no value\n\n${usage}`, 2);
        flags.set(name, a.slice(eq + 1));
      } else if (valued.has(a)) {
        // The next option is not this one's value: `--out --json` would write a file named --json.
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new CliError(`${a} needs a value\n\n${usage}`, 2);
        flags.set(a, v);
        i += 1;
      } else flags.set(a, true);
    } else positional.push(a);
  }
  const known = new Set(['--model', '--output', '--force', '--json', '--help', '--dry-run', '--out']);
  for (const k of flags.keys()) if (!known.has(k)) throw new CliError(`unknown option ${k}\n\n${usage}`, 2);
  return { positional, flags };
}

/** Runs `streamcell model …`; returns the exit code (0 ok, 1 failed, 2 usage, 78 configuration). */
export async function runModelCli(argv: readonly string[], environment: Environment, io: CliIo): Promise<number> {
  try {
    const { positional, flags } = parseArgs(argv);
    if (flags.has('--help') || positional.length === 0) {
      io.out(`${usage}\n`);
      return positional.length === 0 && !flags.has('--help') ? 2 : 0;
    }
    const [group, command, ...args] = positional;
    if (group !== 'model' || command === undefined) throw new CliError(`unknown command ${positional.join(' ')}\n\n${usage}`, 2);
    const config = loadConfig(modelTopicsSchema, environment);
    const model = typeof flags.get('--model') === 'string' ? (flags.get('--model') as string) : config.modelName;
    if (!MODEL_NAME_PATTERN.test(model)) throw new CliError(`--model ${JSON.stringify(model)} must match ${String(MODEL_NAME_PATTERN)} (as MODEL_NAME)`, 2);
    if (command === 'import' && (flags.has('--dry-run') || flags.has('--out'))) {
      // No Kafka needed: import-command.ts does the whole job.
      const out = flags.get('--out');
      return await runOfflineImport(need(args, 0, 'import <file>'), { name: model, output: outputFlag(flags.get('--output')), dryRun: flags.has('--dry-run'), out: typeof out === 'string' ? out : undefined, json: flags.has('--json') }, io);
    }
    const ops = new ModelOps(config, model, io);
    try {
      switch (command) {
        case 'list':
          await ops.list(flags.has('--json'));
          break;
        case 'import':
          await ops.import(need(args, 0, 'import <file>'), outputFlag(flags.get('--output')), flags.has('--force'));
          break;
        case 'export':
          await ops.export(need(args, 0, 'export <version|latest> <file>'), need(args, 1, 'export <version|latest> <file>'));
          break;
        case 'rollback':
          await ops.rollback(need(args, 0, 'rollback <version>'));
          break;
        case 'inspect':
          await ops.inspect(need(args, 0, 'inspect <version|latest|file>'), flags.has('--json'));
          break;
        case 'pin':
          await ops.pin(need(args, 0, 'pin <version>'));
          break;
        case 'unpin':
          await ops.unpin();
          break;
        default:
          throw new CliError(`unknown command model ${command}\n\n${usage}`, 2);
      }
    } finally {
      await ops.close();
    }
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`streamcell: ${e.message}\n`);
      return 78;
    }
    if (e instanceof CliError) {
      io.err(`streamcell: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`streamcell: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function need(args: readonly string[], i: number, form: string): string {
  const v = args[i];
  if (v === undefined) throw new CliError(`missing argument: streamcell model ${form}`, 2);
  return v;
}

function outputFlag(v: string | true | undefined): OutputMeaning | undefined {
  if (v === undefined) return undefined;
  if (v === 'next-values' || v === 'raw') return { kind: v };
  throw new CliError(`--output must be next-values or raw, got ${JSON.stringify(v)}`, 2);
}
