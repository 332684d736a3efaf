import { readFile, writeFile } from 'node:fs/promises';
import { modelWeightsTopic } from '@streamcell/events';
import { KafkaConnection, silentLogger, type KafkaAdmin } from '@streamcell/kafka';
import { readBundleManifest, decodeBundle, type OutputMeaning, type WeightsBundle } from '@streamcell/model';
import { localPublisher, ModelRegistry, type VersionEntry } from '@streamcell/registry';
import type { ModelTopicsConfig } from '../config';
import { CliError, type CliIo } from './cli-io';
import { ModelFileError, readModelFile } from './import-command';
import { summarise, versionTable } from './version-table';

/**
 * The model operations, through the model registry (libs/registry): it reads every version of the
 * model on model.weights, numbers what the CLI publishes and publishes it under the model's
 * transactional id, so an import or rollback never claims a version a trainer claims at the same
 * moment.
 */
export class ModelOps {
  private readonly connection: KafkaConnection;
  private readonly admin: KafkaAdmin;
  private registryUsed: ModelRegistry | undefined;

  constructor(
    private readonly config: ModelTopicsConfig,
    private readonly model: string,
    private readonly io: CliIo,
  ) {
    this.connection = new KafkaConnection(config, silentLogger, 'cli');
    this.admin = this.connection.admin();
  }

  async close(): Promise<void> {
    await this.registryUsed?.stop().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** The model's registry, read to the end of model.weights. */
  async registry(): Promise<ModelRegistry> {
    if (this.registryUsed === undefined) {
      if (this.config.createTopics) await this.admin.ensureTopics([modelWeightsTopic(this.config, this.config.maxModelBytes)]);
      this.registryUsed = new ModelRegistry(this.connection, this.admin, {
        topic: this.config.modelWeights,
        model: this.model,
        maxModelBytes: this.config.maxModelBytes,
        readTimeoutMs: this.config.readTimeoutMs,
        groupPrefix: 'streamcell-cli',
        publisher: localPublisher('cli'),
      });
      await this.registryUsed.start();
    }
    return this.registryUsed;
  }

  async list(json: boolean): Promise<void> {
    const registry = await this.registry();
    const rows = summarise(registry.versions(), registry.head?.version, registry.pin);
    if (json) {
      this.io.out(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      this.io.out(`no versions of model ${this.model} on ${this.config.modelWeights}\n`);
      return;
    }
    this.io.out(versionTable(rows, registry.pin));
  }

  async import(path: string, output: OutputMeaning | undefined, force: boolean): Promise<void> {
    let imported: WeightsBundle;
    try {
      imported = (await readModelFile(path, this.model, output)).bundle;
    } catch (e) {
      throw e instanceof ModelFileError ? new CliError(e.message) : e;
    }
    const registry = await this.registry();
    const head = registry.head;
    if (head !== null && !force) {
      const problems: string[] = [];
      if (head.spec.inputWidth !== imported.spec.inputWidth) problems.push(`input width ${imported.spec.inputWidth} vs ${head.spec.inputWidth}`);
      if (head.spec.head.units !== imported.spec.head.units) problems.push(`head units ${imported.spec.head.units} vs ${head.spec.head.units}`);
      if (head.spec.output.kind !== imported.spec.output.kind) problems.push(`output '${imported.spec.output.kind}' vs '${head.spec.output.kind}'`);
      if (problems.length > 0) {
        throw new CliError(`the imported model is incompatible with ${this.model} v${head.version} (${problems.join(', ')}): events and predictions would change meaning; pass --force to publish it anyway`);
      }
    }
    const bundle = await registry.publish({ ...imported, metrics: {} }, { parentVersion: null });
    this.io.out(`imported ${path} as ${this.model} v${bundle.version} (${describeSpec(bundle)})${head !== null ? `, replacing v${head.version} as head` : ''}\n${this.pinNote(registry)}`);
  }

  async export(which: string, file: string): Promise<void> {
    const entry = this.pick(await this.registry(), which);
    try {
      await writeFile(file, entry.bytes);
    } catch (e) {
      throw new CliError(`cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.io.out(`wrote ${this.model} v${entry.version} (${entry.bytes.length} bytes) to ${file}\n`);
  }

  async rollback(which: string): Promise<void> {
    const registry = await this.registry();
    const target = registry.bundle(this.pick(registry, which).version);
    const head = registry.head;
    if (head !== null && head.version === target.version) throw new CliError(`v${target.version} is already the head of ${this.model}`);
    const metrics = { ...target.metrics, rollbackOf: target.version, ...(head !== null ? { rolledBackFrom: head.version } : {}) };
    const bundle = await registry.publish({ ...target, metrics, createdAt: new Date().toISOString() }, { parentVersion: target.version });
    this.io.out(`rolled ${this.model} back to v${target.version}: published as v${bundle.version} (parent ${target.version})${head !== null ? `, replacing v${head.version}` : ''}\n${this.pinNote(registry)}`);
  }

  async pin(which: string): Promise<void> {
    const registry = await this.registry();
    const entry = this.pick(registry, which);
    await registry.setPin(entry.version);
    this.io.out(`pinned ${this.model} to v${entry.version}: inference serves it and the trainer trains from it until \`streamcell model unpin\`\n`);
  }

  async unpin(): Promise<void> {
    const registry = await this.registry();
    if (registry.pin === null) throw new CliError(`model ${this.model} is not pinned`);
    await registry.setPin(null);
    this.io.out(`unpinned ${this.model}: the head is the highest valid version again (v${registry.head?.version ?? '-'})\n`);
  }

  async inspect(which: string, json: boolean): Promise<void> {
    let bytes: Buffer;
    let source: string;
    if (/^(\d+|latest)$/.test(which)) {
      const registry = await this.registry();
      const entry = which === 'latest' ? this.pick(registry, which) : registry.entry(Number(which));
      if (entry === undefined) throw new CliError(unknownVersion(this.model, which, registry.versions()));
      bytes = entry.bytes;
      source = `${this.config.modelWeights} offset ${entry.offset}`;
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

  /** A valid version by number, or the head for "latest"; errors name what is available. */
  private pick(registry: ModelRegistry, which: string): VersionEntry {
    if (which === 'latest') {
      const head = registry.head;
      if (head === null) throw new CliError(`model ${this.model} has no valid version on ${this.config.modelWeights}`);
      return registry.entry(head.version)!;
    }
    if (!/^\d+$/.test(which)) throw new CliError(`version must be a number or "latest", got ${JSON.stringify(which)}`, 2);
    const v = Number(which);
    const found = registry.entry(v);
    if (found === undefined) throw new CliError(unknownVersion(this.model, which, registry.versions()));
    if (found.error !== null) throw new CliError(`v${v} of ${this.model} is on ${this.config.modelWeights} but invalid: ${found.error}`);
    return found;
  }

  private pinNote(registry: ModelRegistry): string {
    const pin = registry.pin;
    return pin === null ? '' : `note: ${this.model} is pinned to v${pin.version}, which stays the head until \`streamcell model unpin\`\n`;
  }
}

function unknownVersion(model: string, which: string, entries: readonly VersionEntry[]): string {
  return entries.length === 0
    ? `model ${model} has no versions on model.weights`
    : `version ${which} of model ${model} is not on model.weights (available: ${entries.map((e) => e.version).join(', ')}; older ones were retired by the registry's retention)`;
}

function describeSpec(b: WeightsBundle): string {
  return `${b.spec.cell} ${b.spec.layers.join('x')}, input ${b.spec.inputWidth}, head ${b.spec.head.units} ${b.spec.output.kind}`;
}
