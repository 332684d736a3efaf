export { CompactedTopicReader, type CompactedReaderOptions } from './compacted-reader';
export { parseKey, pinKey, versionKey, type RegistryKey } from './keys';
export {
  defaultKeepVersions,
  HeadMovedError,
  type InvalidRecord,
  localPublisher,
  ModelPinnedError,
  ModelRegistry,
  publishTransactionalId,
  type PublishOptions,
  type RegistryListener,
  type RegistryOptions,
} from './model-registry';
export { checkSize, ModelTooLargeError, RECORD_OVERHEAD_BYTES } from './size';
export { bundleOf, publisherHeaders, VersionLog, type Applied, type LogRecord, type Pin, type Publisher, type VersionEntry, type WritePlan } from './version-log';
