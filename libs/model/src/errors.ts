/**
 * Typed errors of libs/model. Every error carries a stable `code` (for logs and metrics), a
 * `retriable` flag (none of these are: they describe bad input or a missing install, which a retry
 * cannot fix) and the underlying `cause` when there is one.
 */
export abstract class ModelError extends Error {
  abstract readonly code: string;
  readonly retriable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A model spec failed validation; the message quotes the offending value. */
export class ModelSpecError extends ModelError {
  readonly code = 'MODEL_SPEC_INVALID';
}

/** Base of everything a weights bundle decoder can refuse. */
export abstract class BundleError extends ModelError {}

/** The bytes are not a bundle: bad magic, truncated, malformed manifest, tensors overlapping. */
export class BundleFormatError extends BundleError {
  readonly code = 'BUNDLE_FORMAT';
}

/** The bundle declares a format version this code does not know. */
export class UnsupportedBundleVersionError extends BundleError {
  readonly code = 'BUNDLE_UNSUPPORTED_VERSION';
}

/** The sha256 in the manifest does not match the data section. */
export class BundleChecksumError extends BundleError {
  readonly code = 'BUNDLE_CHECKSUM';
}

/** A tensor is missing, unexpected, or has a shape the spec does not imply. */
export class BundleShapeError extends BundleError {
  readonly code = 'BUNDLE_SHAPE';
}

/** A tensor holds NaN or ±Infinity. */
export class BundleNonFiniteError extends BundleError {
  readonly code = 'BUNDLE_NON_FINITE';
}

/** A Keras model could not be imported (unsupported or non-causal layer, bad weights). */
export class KerasImportError extends ModelError {
  readonly code = 'KERAS_IMPORT';
}

/** The configured engine or backend is not installed or cannot start here. */
export class EngineUnavailableError extends ModelError {
  readonly code = 'ENGINE_UNAVAILABLE';
}

/** A batched step named the same stream twice; its state would be updated twice in one step. */
export class DuplicateStreamError extends ModelError {
  readonly code = 'DUPLICATE_STREAM';
}

/** A call broke a state-table or engine contract (batch over capacity, bad snapshot, wrong sizes). */
export class StateTableError extends ModelError {
  readonly code = 'STATE_TABLE';
}

/** Training inputs or options are inconsistent with the model. */
export class TrainingError extends ModelError {
  readonly code = 'TRAINING';
}
