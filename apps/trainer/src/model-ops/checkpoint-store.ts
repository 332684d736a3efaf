import type { KafkaAdmin, KafkaConnection, TransactionalProducer } from '@streamcell/kafka';
import { checkpointMaxBytes } from '@streamcell/events';
import { checkSize, CompactedTopicReader } from '@streamcell/registry';
import type { TrainerConfig } from '../config';
import { decodeCheckpoint, encodeCheckpoint, type TrainerCheckpoint } from '../training/checkpoint';

/** The trainer's transactional id: one trainer per model and weights topic. */
export function trainerTransactionalId(config: Pick<TrainerConfig, 'modelWeights' | 'modelName'>): string {
  return `streamcell-trainer.${config.modelWeights}.${config.modelName}`;
}

/**
 * A trainer's key on trainer.checkpoints: its weights topic and model, the same pair its
 * transactional id names. Keyed by the model alone, two trainers of one model name on different
 * weights topics overwrote each other's checkpoints, and one resumed from the other's weights.
 * (Neither part can hold a '/': topic names and model names exclude it.)
 */
export function checkpointKey(config: Pick<TrainerConfig, 'modelWeights' | 'modelName'>): string {
  return `${config.modelWeights}/${config.modelName}`;
}

/**
 * trainer.checkpoints for one model: the newest checkpoint at start, and every write after, each a
 * transaction under the trainer's transactional id. That id is what makes "one trainer per model"
 * hold: a second trainer fences the first when it connects, and the first's next write here fails
 * with ProducerFencedError (the caller stops training).
 */
export class CheckpointStore {
  constructor(
    private readonly connection: KafkaConnection,
    private readonly admin: KafkaAdmin,
    private readonly writer: TransactionalProducer,
    private readonly config: TrainerConfig,
  ) {}

  /**
   * The newest checkpoint of the model, undecoded (undefined: none). Checkpoints written before
   * they were keyed by weights topic are under the model name alone: the newest of those is the
   * resume point until this trainer writes its first one (an upgrade keeps its Adam state).
   */
  async readNewest(cancelled: () => boolean): Promise<Buffer | undefined> {
    const c = this.config;
    const key = checkpointKey(c);
    let newest: Buffer | undefined;
    let legacy: Buffer | undefined;
    const reader = new CompactedTopicReader(this.connection, this.admin, {
      topic: c.trainerCheckpoints,
      groupPrefix: `${c.groupId}.checkpoints`,
      maxRecordBytes: checkpointMaxBytes(c.maxModelBytes),
      onRecords: (messages) => {
        for (const m of messages) {
          if (m.value === null) continue;
          const k = m.key?.toString();
          if (k === key) newest = m.value;
          else if (k === c.modelName) legacy = m.value;
        }
      },
    });
    if (await reader.isEmpty()) return undefined;
    await reader.start();
    try {
      await reader.catchUp(c.readTimeoutMs, cancelled);
    } finally {
      await reader.stop();
    }
    return newest ?? legacy;
  }

  /** Decodes a checkpoint; undefined (with the reason passed to `onError`) when it is unreadable. */
  static decode(bytes: Buffer, onError: (message: string) => void): TrainerCheckpoint | undefined {
    try {
      return decodeCheckpoint(bytes);
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
      return undefined;
    }
  }

  async write(c: TrainerCheckpoint): Promise<void> {
    const bytes = encodeCheckpoint(c);
    // Adam's moments make a checkpoint ~3× its bundle: a bundle within MODEL_MAX_BYTES must always be checkpointable.
    checkSize(`checkpoint of ${c.modelName}`, bytes, checkpointMaxBytes(this.config.maxModelBytes));
    await this.writer.commit([{ topic: this.config.trainerCheckpoints, messages: [{ key: checkpointKey(this.config), value: bytes }] }], []);
  }

  /**
   * Proves this trainer still owns the model before it publishes: a small record under its own
   * key (readers of checkpoints take only the checkpoint key), in a transaction under the
   * trainer's id, so a trainer fenced by a newer one fails here instead of publishing a version.
   */
  async confirmOwnership(): Promise<void> {
    const c = this.config;
    await this.writer.commit([{ topic: c.trainerCheckpoints, messages: [{ key: `${checkpointKey(c)}/lease`, value: JSON.stringify({ at: new Date().toISOString() }) }] }], []);
  }
}
