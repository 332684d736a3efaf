export { deadLetterHeaders, dlqHeaders, type DeadLetterContext } from './dead-letter';
export { encodeEvent, rejectReasons, type EventV1, type RejectReason, type Rejection, type Validated } from './event';
export { canonicalMapping, extractFields, isPlainObject, type FieldMapping } from './mapping';
export { defaultStreamIdPattern, rejectionOf, validateEvent, type EventFields, type ValidationRules } from './validate';
export { defaultMaxModelBytes, eventTopics, inferenceTopics, ingestTopics, modelWeightsTopic, topicSettings, trainerCheckpointsTopic, type TopicLayout } from './topics';
export { encodePrediction, float32Json, type PredictionV1 } from './prediction';
