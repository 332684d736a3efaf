import { randomUUID } from 'node:crypto';
import { KafkaError, ProducerFencedError, type KafkaAdmin, type KafkaConnection, type OutgoingMessage, type TransactionalProducer } from '@streamcell/kafka';
import { encodeBundle, type WeightsBundle } from '@streamcell/model';
import { CompactedTopicReader } from './compacted-reader';
import { MODEL_NAME_PATTERN, pinKey, versionKey } from './keys';
import { checkSize } from './size';
import { defaultKeepVersions, HeadMovedError, ModelPinnedError, publishTransactionalId, type PublishOptions, type RegistryListener, type RegistryOptions } from './registry-types';
import { bundleOf, publisherHeaders, VersionLog, type LogRecord, type Pin, type VersionEntry } from './version-log';

const maxPublishAttempts = 5;

/**
 * The one view of a model's versions on model.weights, and the only place that numbers them.
 *
 * Reading: follows the topic from its beginning (private consumer group, read_committed) and keeps
 * every version of the model with its validity, publisher and lineage; the head is the operator's
 * pin or else the highest valid version (VersionLog).
 *
 * Writing: every record (version, pin, retention tombstones, migration copies) is one Kafka
 * transaction under the model's transactional id, shared by every writer. Taking the writer
 * (InitProducerId) fences any other writer of the model, aborting its open transaction; then the
 * registry reads model.weights to its end. From then on, as long as its epoch is current, nobody
 * else has written, so "highest version seen + 1" is free. Another writer taking over makes the
 * next commit fail with ProducerFencedError, and the registry takes the writer back, reads to the
 * end again and renumbers. So two writers can never publish the same version, whatever the
 * interleaving; a commit whose outcome is unknown is read back the same way before renumbering.
 */
export class ModelRegistry {
  private readonly log: VersionLog;
  private readonly reader: CompactedTopicReader;
  private writer: TransactionalProducer | undefined;
  /** Publish ids of this registry's writes: a head carrying one is our own (even read back after a lost answer). */
  private readonly own = new Set<string>();
  private emitted: number | undefined;
  private headBundle: WeightsBundle | null = null;
  private serial: Promise<unknown> = Promise.resolve();
  private started = false;

  constructor(
    private readonly connection: KafkaConnection,
    admin: KafkaAdmin,
    private readonly options: RegistryOptions,
    private readonly listener: RegistryListener = {},
  ) {
    // A '/' would make the name's keys read as another model's versions (and a publish would then
    // retire that model's version as this one's legacy key).
    if (!MODEL_NAME_PATTERN.test(options.model)) throw new Error(`model name ${JSON.stringify(options.model)} must match ${String(MODEL_NAME_PATTERN)}`);
    this.log = new VersionLog(options.model);
    this.reader = new CompactedTopicReader(connection, admin, {
      topic: options.topic,
      groupPrefix: options.groupPrefix,
      maxRecordBytes: options.maxModelBytes,
      onRecords: (messages) => this.onRecords(messages),
    });
  }

  get model(): string {
    return this.options.model;
  }

  /** The follower's consumer failed for good (for health checks). */
  get crashError(): Error | undefined {
    return this.reader.crashError;
  }

  /** Starts following model.weights and resolves once everything written before the call is read. */
  async start(cancelled: () => boolean = () => false): Promise<void> {
    if (!this.started) {
      this.started = true;
      try {
        await this.reader.start();
      } catch (e) {
        // A retried start joins afresh (the reader stopped the failed attempt's consumer).
        this.started = false;
        throw e;
      }
    }
    await this.catchUp(cancelled);
  }

  /** Resolves once every record written before the call has been read (and the head announced). */
  catchUp(cancelled: () => boolean = () => false): Promise<void> {
    return this.reader.catchUp(this.options.readTimeoutMs, cancelled);
  }

  async stop(): Promise<void> {
    await this.reader.stop().catch(() => undefined);
    await this.dropWriter();
  }

  /** The head, decoded; null when the model has no valid version. */
  get head(): WeightsBundle | null {
    return this.headBundle;
  }

  get pin(): Pin | null {
    return this.log.pin;
  }

  /** Every version known, lowest first, valid or not. */
  versions(): VersionEntry[] {
    return this.log.entries();
  }

  entry(version: number): VersionEntry | undefined {
    return this.log.entry(version);
  }

  /** A valid version's bundle; throws naming the reason when it is missing or invalid. */
  bundle(version: number): WeightsBundle {
    const e = this.log.entry(version);
    if (e === undefined) throw new Error(`v${version} of ${this.model} is not on ${this.options.topic}`);
    return bundleOf(e);
  }

  /**
   * Publishes `draft`'s weights and spec as the next version (the version and parent in the draft
   * are replaced: only the registry numbers versions), with retention and migration records in
   * the same transaction. Resolves with the bundle as published.
   */
  publish(draft: WeightsBundle, o: PublishOptions): Promise<WeightsBundle> {
    const publishId = randomUUID();
    this.own.add(publishId);
    // Our head is announced inside the call (commit, or the read-back before a retry), so the id
    // can go afterwards; the set stays as small as the writes in flight.
    return this.exclusive(() => this.publishOnce(draft, o, publishId)).finally(() => this.own.delete(publishId));
  }

  private async publishOnce(draft: WeightsBundle, o: PublishOptions, publishId: string): Promise<WeightsBundle> {
    for (let attempt = 1; ; attempt++) {
      await this.takeWriter();
      // A previous attempt whose commit answer was lost may have landed: it is read back by now.
      const landed = attempt > 1 ? this.log.entries().find((e) => e.publishId === publishId) : undefined;
      if (landed !== undefined) return bundleOf(landed);
      if (o.ifHead !== undefined) {
        const pin = this.log.pin;
        if (pin !== null) throw new ModelPinnedError(this.model, pin.version);
        const head = this.log.head()?.version ?? null;
        if (head !== o.ifHead) throw new HeadMovedError(o.ifHead, head);
      }
      const version = this.log.nextVersion();
      const bundle: WeightsBundle = { ...draft, name: this.model, version, parentVersion: o.parentVersion };
      const bytes = encodeBundle(bundle);
      checkSize(`bundle ${this.model} v${version}`, bytes, this.options.maxModelBytes);
      const plan = this.log.plan(version, this.options.keepVersions ?? defaultKeepVersions, o.protect);
      const messages: OutgoingMessage[] = [
        ...plan.copies.map((e) => ({ key: versionKey(this.model, e.version), value: e.bytes, headers: { 'x-streamcell-migrated-from-offset': e.offset } })),
        { key: versionKey(this.model, version), value: Buffer.from(bytes), headers: { ...this.headers(version), [publisherHeaders.publishId]: publishId } },
        ...plan.retire.map((v) => ({ key: versionKey(this.model, v), value: null })),
        ...(plan.retireLegacyKey ? [{ key: this.model, value: null }] : []),
      ];
      if (await this.commit(messages, attempt)) return bundle;
    }
  }

  /** Pins the head to a valid version (null: unpin, the head is the highest valid version again). */
  setPin(version: number | null): Promise<void> {
    return this.exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        await this.takeWriter();
        if (version !== null) {
          const e = this.log.entry(version);
          if (e === undefined) throw new Error(`cannot pin v${version}: not on ${this.options.topic}`);
          if (e.error !== null) throw new Error(`cannot pin v${version}: invalid (${e.error})`);
        }
        const value = version === null ? null : JSON.stringify({ version, by: `${this.options.publisher.role}@${this.options.publisher.host}`, at: new Date().toISOString() });
        if (await this.commit([{ key: pinKey(this.model), value }], attempt)) return;
      }
    });
  }

  private headers(version: number): Record<string, string> {
    return {
      'x-streamcell-model-version': String(version),
      'content-type': 'application/vnd.streamcell.weights',
      [publisherHeaders.role]: this.options.publisher.role,
      [publisherHeaders.host]: this.options.publisher.host,
    };
  }

  /** One transaction; false when another writer took over (retry after reading to the end again). */
  private async commit(messages: OutgoingMessage[], attempt: number): Promise<boolean> {
    try {
      await this.writer!.commit([{ topic: this.options.topic, messages }], []);
    } catch (e) {
      // Whatever happened (fenced, or an unknown outcome), the next write takes a new epoch and
      // reads to the end first: a commit that did land is then seen, never numbered over.
      await this.dropWriter();
      // Fenced, or an answer that leaves the outcome open (the broker answers EndTxn with
      // UNKNOWN_SERVER_ERROR when another writer's InitProducerId bumps the epoch mid-commit).
      const retry = e instanceof ProducerFencedError || (e instanceof KafkaError && e.retriable);
      if (!retry || attempt >= maxPublishAttempts) throw e;
      // Two writers retrying in lockstep would fence each other forever: back off a little.
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      return false;
    }
    // Our epoch was current, so nobody else wrote since we read to the end: these records are all
    // that changed, and the next version can be numbered before the follower reads them back.
    const now = Date.now();
    for (const m of messages) {
      const record: LogRecord = { key: Buffer.from(m.key as string), value: m.value === null ? null : Buffer.from(m.value), offset: 'pending', headers: m.headers ?? {}, timestamp: now };
      this.log.apply(record);
    }
    await this.announceHead();
    return true;
  }

  /** Takes the model's writer (fencing any other) and reads to the end, unless already held. */
  private async takeWriter(): Promise<void> {
    if (this.writer !== undefined) return;
    const writer = this.connection.transactionalProducer({ transactionalId: publishTransactionalId(this.options.topic, this.model), transactionTimeoutMs: 60_000 });
    try {
      await writer.connect();
      if (!this.started) await this.start();
      else await this.catchUp();
    } catch (e) {
      await writer.disconnect().catch(() => undefined);
      throw e;
    }
    this.writer = writer;
  }

  private async dropWriter(): Promise<void> {
    const w = this.writer;
    this.writer = undefined;
    await w?.disconnect().catch(() => undefined);
  }

  private async onRecords(messages: readonly LogRecord[]): Promise<void> {
    for (const m of messages) {
      const applied = this.log.apply(m);
      if (applied.kind === 'version' && applied.entry.error !== null) {
        this.listener.onInvalid?.({ version: applied.entry.version, offset: m.offset, error: applied.entry.error, kind: applied.entry.errorKind ?? 'Error' });
      } else if (applied.kind === 'unreadable') {
        this.listener.onInvalid?.({ version: null, offset: applied.offset, error: applied.error, kind: applied.errorKind });
      }
    }
    await this.announceHead();
  }

  private async announceHead(): Promise<void> {
    const e = this.log.head();
    if (e === undefined || e.version === this.emitted) return;
    const bundle = bundleOf(e);
    this.emitted = e.version;
    this.headBundle = bundle;
    await this.listener.onHead?.(bundle, e.publishId !== null && this.own.has(e.publishId));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work, work);
    this.serial = run.catch(() => undefined);
    return run;
  }
}
