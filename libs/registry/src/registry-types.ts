import { hostname } from 'node:os';
import type { WeightsBundle } from '@streamcell/model';
import type { Publisher } from './version-log';

/** Versions kept per model besides the head, the pin and protected ones (see VersionLog.plan). */
export const defaultKeepVersions = 20;

export interface RegistryOptions {
  readonly topic: string;
  readonly model: string;
  /** Largest record (MODEL_MAX_BYTES): bigger bundles are refused before anything is written. */
  readonly maxModelBytes: number;
  /** Longest wait to read model.weights to its end (MODEL_READ_TIMEOUT_MS). */
  readonly readTimeoutMs: number;
  /** Prefix of the follower's private consumer group. */
  readonly groupPrefix: string;
  /** Who publishes through this registry (record headers, shown by `model list`). */
  readonly publisher: Publisher;
  readonly keepVersions?: number;
}

export interface RegistryListener {
  /**
   * The head changed: a new version, a pin, or the head was found at start. `own` when this
   * registry published it (the trainer keeps its working state for its own publications).
   * Awaited: the next batch of model.weights waits (inference swaps weights here).
   */
  onHead?(bundle: WeightsBundle, own: boolean): Promise<void> | void;
  /** A record of this model failed validation: listed, never served. */
  onInvalid?(problem: InvalidRecord): void;
}

/** A record of the model that is not a usable version (counted by inference, logged by the trainer). */
export interface InvalidRecord {
  /** Null when not even the manifest could be read from a legacy record. */
  readonly version: number | null;
  readonly offset: string;
  readonly error: string;
  /** The error's class, e.g. BundleChecksumError (a metric label). */
  readonly kind: string;
}

export interface PublishOptions {
  readonly parentVersion: number | null;
  /**
   * Publish only if this is still the head (null: only if there is none) and no pin holds it: the
   * trainer's candidate was judged against that head, so it is void once the head moved. Omitted:
   * publish whatever the head (imports and rollbacks; a pin still decides what is served).
   */
  readonly ifHead?: number | null;
  /** Versions retention must keep besides the newest ones (e.g. the trainer checkpoint's base). */
  readonly protect?: Iterable<number>;
}

/** The head moved (or appeared) since the caller looked: nothing was published. */
export class HeadMovedError extends Error {
  override readonly name = 'HeadMovedError';
  constructor(
    readonly expected: number | null,
    readonly actual: number | null,
  ) {
    super(`the head is ${actual === null ? 'absent' : `v${actual}`}, not ${expected === null ? 'absent' : `v${expected}`}: nothing published`);
  }
}

/** The model is pinned: a conditional publish would not be served. */
export class ModelPinnedError extends Error {
  override readonly name = 'ModelPinnedError';
  constructor(
    readonly model: string,
    readonly version: number,
  ) {
    super(`model ${model} is pinned to v${version}: nothing published (unpin it to let newer versions be served)`);
  }
}

/** The transactional id every writer of a model's versions shares (trainer, CLI). */
export function publishTransactionalId(topic: string, model: string): string {
  return `streamcell-model.${topic}.${model}`;
}

export function localPublisher(role: string): Publisher {
  return { role, host: hostname() };
}
