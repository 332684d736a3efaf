export { CompactedTopicReader, type CompactedReaderOptions } from './compacted-reader';
export { MAX_VERSION, MODEL_NAME_PATTERN, parseKey, pinKey, versionKey, type RegistryKey } from './keys';
export { ModelRegistry } from './model-registry';
export {
  defaultKeepVersions,
  HeadMovedError,
  localPublisher,
  ModelPinnedError,
  publishTransactionalId,
  type InvalidRecord,
  type PublishOptions,
  type RegistryListener,
  type RegistryOptions,
} from './registry-types';
export { checkSize, ModelTooLargeError, RECORD_OVERHEAD_BYTES } from './size';
export { bundleOf, publisherHeaders, VersionLog, type Applied, type LogRecord, type Pin, type Publisher, type VersionEntry, type WritePlan } from './version-log';
