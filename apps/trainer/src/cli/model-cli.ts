import { readFile, writeFile } from 'node:fs/promises';
import { ConfigError, loadConfig, type Environment } from '@streamcell/config';
import { modelWeightsTopic } from '@streamcell/events';
import { KafkaConnection, silentLogger, type KafkaAdmin } from '@streamcell/kafka';
import { createBundle, readBundleManifest, decodeBundle, type OutputMeaning, type WeightsBundle } from '@streamcell/model';
import { modelTopicsSchema, type ModelTopicsConfig } from '../config';
import { ModelFileError, readModelFile, runOfflineImport } from './import-command';
import { CompactedTopicReader } from '../model-ops/compacted-reader';
import { headOf, publishBundle, readVersionRecord, type VersionRecord } from '../model-ops/model-store';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** A failure the user can act on; printed without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const usage = `usage: streamcell model <command> [options]

commands:
  list                              versions of the model on model.weights, with their metrics
  import <file>                     import a model and publish it as the new head: Keras 3 model.keras, Keras .h5,
                                    TF.js model.json (tensorflowjs_converter), PyTorch .safetensors (state dict)
      [--output next-values|raw]    what the head outputs mean (default: next-values when head units <= input width)
      [--force]                     publish even if its input width or outputs differ from the current head
      [--dry-run]                   no Kafka: parse, validate, build every engine, print the spec and a parity sample
      [--out <bundle.scwb>]         no Kafka: write the bundle to a file instead of publishing it
  export <version|latest> <file>    write a version's bundle to a file
  rollback <version>                re-publish an older version as the new head (new version number, parent = that version)
  inspect <version|latest|file>     print a bundle's manifest (from model.weights or a file)

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
      if (eq > 0) flags.set(a.slice(0, eq), a.slice(eq + 1));
      else if (valued.has(a)) {
        const v = argv[i + 1];
        if (v === undefined) throw new CliError(`${a} needs a value\n\n${usage}`, 2);
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

/** The model operations, against model.weights. */
export class ModelOps {
  private readonly connection: KafkaConnection;
  private readonly admin: KafkaAdmin;
  private producerUsed: ReturnType<KafkaConnection['producer']> | undefined;

  constructor(
    private readonly config: ModelTopicsConfig,
    private readonly model: string,
    private readonly io: CliIo,
  ) {
    this.connection = new KafkaConnection(config, silentLogger, 'cli');
    this.admin = this.connection.admin();
  }

  async close(): Promise<void> {
    await this.producerUsed?.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Every record of this model on model.weights, in log order (compaction may have removed old ones). */
  async versions(): Promise<VersionRecord[]> {
    if (this.config.createTopics) await this.admin.ensureTopics([modelWeightsTopic(this.config, this.config.maxModelBytes)]);
    const records: VersionRecord[] = [];
    const reader = new CompactedTopicReader(this.connection, this.admin, {
      topic: this.config.modelWeights,
      groupPrefix: 'streamcell-cli',
      maxRecordBytes: this.config.maxModelBytes,
      onRecord: (m) => {
        if (m.key?.toString() === this.model && m.value !== null) records.push(readVersionRecord(m.offset, m.value));
      },
    });
    if (await reader.isEmpty()) return records;
    await reader.start();
    try {
      await reader.catchUp(this.config.readTimeoutMs);
    } finally {
      await reader.stop();
    }
    return records;
  }

  async list(json: boolean): Promise<void> {
    const records = await this.versions();
    const head = headOf(records);
    if (json) {
      this.io.out(`${JSON.stringify(records.map((r) => summary(r, head)), null, 2)}\n`);
      return;
    }
    if (records.length === 0) {
      this.io.out(`no versions of model ${this.model} on ${this.config.modelWeights}\n`);
      return;
    }
    const rows = records.map((r) => summary(r, head));
    const cols: [string, (s: Summary) => string][] = [
      ['version', (s) => `${s.version ?? '?'}${s.head ? ' *' : ''}`],
      ['parent', (s) => (s.parentVersion === null || s.parentVersion === undefined ? '-' : String(s.parentVersion))],
      ['created', (s) => s.createdAt ?? '-'],
      ['model', (s) => s.architecture ?? '-'],
      ['validation', (s) => num(s.metrics?.validationLoss)],
      ['baseline', (s) => num(s.metrics?.baselineLoss)],
      ['train', (s) => num(s.metrics?.trainLoss)],
      ['bytes', (s) => String(s.bytes)],
      ['status', (s) => s.status],
    ];
    const table = [cols.map(([h]) => h), ...rows.map((r) => cols.map(([, f]) => f(r)))];
    const widths = cols.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    this.io.out(`${table.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n')}\n(* = head, the highest valid version)\n`);
  }

  async import(path: string, output: OutputMeaning | undefined, force: boolean): Promise<void> {
    let imported: WeightsBundle;
    try {
      imported = (await readModelFile(path, this.model, output)).bundle;
    } catch (e) {
      throw e instanceof ModelFileError ? new CliError(e.message) : e;
    }
    const records = await this.versions();
    const head = headOf(records);
    if (head !== null && !force) {
      const problems: string[] = [];
      if (head.spec.inputWidth !== imported.spec.inputWidth) problems.push(`input width ${imported.spec.inputWidth} vs ${head.spec.inputWidth}`);
      if (head.spec.head.units !== imported.spec.head.units) problems.push(`head units ${imported.spec.head.units} vs ${head.spec.head.units}`);
      if (head.spec.output.kind !== imported.spec.output.kind) problems.push(`output '${imported.spec.output.kind}' vs '${head.spec.output.kind}'`);
      if (problems.length > 0) {
        throw new CliError(`the imported model is incompatible with ${this.model} v${head.version} (${problems.join(', ')}): events and predictions would change meaning; pass --force to publish it anyway`);
      }
    }
    const version = nextVersion(records);
    const bundle = createBundle({ name: this.model, spec: imported.spec, tensors: imported.tensors, version, parentVersion: null, metrics: {} });
    await this.publish(bundle);
    this.io.out(`imported ${path} as ${this.model} v${version} (${describeSpec(bundle)})${head !== null ? `, replacing v${head.version} as head` : ''}\n`);
  }

  async export(which: string, file: string): Promise<void> {
    const record = this.pick(await this.versions(), which);
    try {
      await writeFile(file, record.bytes);
    } catch (e) {
      throw new CliError(`cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.io.out(`wrote ${this.model} v${record.bundle!.version} (${record.bytes.length} bytes) to ${file}\n`);
  }

  async rollback(which: string): Promise<void> {
    const records = await this.versions();
    const target = this.pick(records, which).bundle!;
    const head = headOf(records);
    if (head !== null && head.version === target.version) throw new CliError(`v${target.version} is already the head of ${this.model}`);
    const version = nextVersion(records);
    const bundle = createBundle({
      name: this.model,
      spec: target.spec,
      tensors: target.tensors,
      version,
      parentVersion: target.version,
      metrics: { ...target.metrics, rollbackOf: target.version, ...(head !== null ? { rolledBackFrom: head.version } : {}) },
    });
    await this.publish(bundle);
    this.io.out(`rolled ${this.model} back to v${target.version}: published as v${version} (parent ${target.version})${head !== null ? `, replacing v${head.version}` : ''}\n`);
  }

  async inspect(which: string, json: boolean): Promise<void> {
    let bytes: Buffer;
    let source: string;
    if (/^(\d+|latest)$/.test(which)) {
      const records = await this.versions();
      const record = which === 'latest' ? this.pick(records, which) : records.filter((r) => r.manifest?.version === Number(which)).at(-1);
      if (record === undefined) throw new CliError(unknownVersion(this.model, which, records));
      bytes = record.bytes;
      source = `${this.config.modelWeights} offset ${record.offset}`;
    } else {
      try {
        bytes = await readFile(which);
      } catch (e) {
        throw new CliError(`cannot read ${which}: ${e instanceof Error ? e.message : String(e)}`);
      }
      source = which;
    }
    let manifest;
    try {
      manifest = readBundleManifest(bytes);
    } catch (e) {
      throw new CliError(`${source} is not a readable weights bundle: ${e instanceof Error ? e.message : String(e)}`);
    }
    let validity: { valid: boolean; error?: string } = { valid: true };
    try {
      decodeBundle(bytes);
    } catch (e) {
      validity = { valid: false, error: e instanceof Error ? e.message : String(e) };
    }
    const out = { source, bytes: bytes.length, ...validity, manifest };
    this.io.out(json ? `${JSON.stringify(out)}\n` : `${JSON.stringify(out, null, 2)}\n`);
  }

  private pick(records: readonly VersionRecord[], which: string): VersionRecord {
    if (which === 'latest') {
      const head = headOf(records);
      if (head === null) throw new CliError(`model ${this.model} has no valid version on ${this.config.modelWeights}`);
      return records.filter((r) => r.bundle?.version === head.version).at(-1)!;
    }
    if (!/^\d+$/.test(which)) throw new CliError(`version must be a number or "latest", got ${JSON.stringify(which)}`, 2);
    const v = Number(which);
    const found = records.filter((r) => r.manifest?.version === v).at(-1);
    if (found === undefined) throw new CliError(unknownVersion(this.model, which, records));
    if (found.bundle === null) throw new CliError(`v${v} of ${this.model} is on ${this.config.modelWeights} but invalid: ${found.error}`);
    return found;
  }

  private async publish(bundle: WeightsBundle): Promise<void> {
    this.producerUsed ??= this.connection.producer({ maxQueuedMessages: 4, ackTimeoutMs: 30_000 });
    await this.producerUsed.connect();
    await publishBundle(this.producerUsed, this.config.modelWeights, bundle, this.config.maxModelBytes);
  }
}

function unknownVersion(model: string, which: string, records: readonly VersionRecord[]): string {
  const known = records.map((r) => r.manifest?.version).filter((v): v is number => v !== undefined);
  return known.length === 0
    ? `model ${model} has no versions on model.weights`
    : `version ${which} of model ${model} is not on model.weights (available: ${known.join(', ')}; compaction keeps only the newest record per model after min.compaction.lag.ms)`;
}

function nextVersion(records: readonly VersionRecord[]): number {
  return records.reduce((m, r) => Math.max(m, r.manifest?.version ?? 0), 0) + 1;
}

interface Summary {
  readonly version: number | undefined;
  readonly parentVersion: number | null | undefined;
  readonly createdAt: string | undefined;
  readonly architecture: string | undefined;
  readonly metrics: Readonly<Record<string, number>> | undefined;
  readonly bytes: number;
  readonly offset: string;
  readonly head: boolean;
  readonly status: string;
}

function summary(r: VersionRecord, head: WeightsBundle | null): Summary {
  const m = r.manifest;
  const isHead = r.bundle !== null && head !== null && r.bundle.version === head.version;
  return {
    version: m?.version,
    parentVersion: m?.parentVersion,
    createdAt: m?.createdAt,
    architecture: m === null ? undefined : `${m.spec.cell} ${m.spec.layers.join('x')} in ${m.spec.inputWidth} out ${m.spec.head.units}`,
    metrics: m?.metrics,
    bytes: r.bytes.length,
    offset: r.offset,
    head: isHead,
    status: r.error === null ? (isHead ? 'head' : 'ok') : `invalid: ${r.error}`,
  };
}

function describeSpec(b: WeightsBundle): string {
  return `${b.spec.cell} ${b.spec.layers.join('x')}, input ${b.spec.inputWidth}, head ${b.spec.head.units} ${b.spec.output.kind}`;
}

const num = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toPrecision(4));
