import type { WeightsBundle } from '@streamcell/model';
import type { JsonLogger } from '@streamcell/observability';
import { HeadMovedError, ModelPinnedError, type ModelRegistry, type RegistryListener } from '@streamcell/registry';
import type { OnlineTrainer, PublishResult } from '../training/online-trainer';

/** What the trainer uses of the registry (the service passes the ModelRegistry, tests a fake). */
export type TrainerRegistry = Pick<ModelRegistry, 'publish'>;

/**
 * The trainer's side of the model registry: the registry's head feeds the training loop (its own
 * publications keep the working state; anyone else's become the new base), and candidates and the
 * bootstrap are published through it, numbered by it, only if the head they were judged against
 * is still the head.
 */
export class TrainerModel {
  /** For the registry: how the trainer hears of head changes and invalid records. */
  readonly listener: RegistryListener;
  private registry: TrainerRegistry | undefined;

  constructor(
    private readonly trainer: Pick<OnlineTrainer, 'adoptHead'>,
    private readonly logger: JsonLogger,
    private readonly onHead: (version: number, adopted: boolean) => void,
  ) {
    this.listener = {
      onHead: (bundle, own) => this.follow(bundle, own),
      onInvalid: (p) => logger.warn('ignoring an invalid bundle on model.weights', { version: p.version, offset: p.offset, error: p.error }),
    };
  }

  /** The registry to publish through (created with `listener`, so it comes after construction). */
  attach(registry: TrainerRegistry): void {
    this.registry = registry;
  }

  private follow(bundle: WeightsBundle, own: boolean): void {
    try {
      const how = this.trainer.adoptHead(bundle, own);
      if (how === 'ignored') return;
      if (how === 'adopted' && !own) this.logger.info('training from a version published elsewhere', { version: bundle.version, parentVersion: bundle.parentVersion });
      this.onHead(bundle.version, how === 'adopted');
    } catch (e) {
      this.logger.error('cannot train this version', { version: bundle.version, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * Publishes a candidate trained from `base`, keeping `protect` (the version the last checkpoint
   * descends from) through retention. A moved or pinned head is not an error: the candidate was
   * judged against a head that no longer serves, so it is dropped.
   */
  async publishCandidate(candidate: WeightsBundle, base: WeightsBundle, protect: readonly number[]): Promise<PublishResult> {
    try {
      return { published: await this.writer().publish(candidate, { parentVersion: base.version, ifHead: base.version, protect }) };
    } catch (e) {
      if (e instanceof HeadMovedError || e instanceof ModelPinnedError) return { superseded: e.message };
      throw e;
    }
  }

  /** Publishes the bootstrap model as the first version, unless a version appeared meanwhile. */
  async bootstrap(bundle: WeightsBundle): Promise<WeightsBundle | null> {
    try {
      return await this.writer().publish(bundle, { parentVersion: null, ifHead: null });
    } catch (e) {
      if (e instanceof HeadMovedError || e instanceof ModelPinnedError) return null;
      throw e;
    }
  }

  private writer(): TrainerRegistry {
    if (this.registry === undefined) throw new Error('TrainerModel used before a registry was attached');
    return this.registry;
  }
}
