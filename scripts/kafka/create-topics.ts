// Creates every streamcell topic with its partitions and policies (DESIGN.md, "Topics"), or
// verifies the ones that exist; the services do the same for their own topics at boot, this is
// the one place that does it for the whole system up front: the Kubernetes topic Job
// (deploy/k8s/base/topics-job.yaml), the compose file and `npm start`.
//
//   node -r ./scripts/register.cjs scripts/kafka/create-topics.ts      (from the repository)
//   STREAMCELL_APP=create-topics                                     (in the container image)
//
// Configuration is the services' own environment (KAFKA_*, TOPIC_*, EVENTS_PARTITIONS,
// TOPIC_REPLICATION_FACTOR, MODEL_MAX_BYTES), parsed with the same schemas. Exit codes: 0 done,
// 1 Kafka unreachable within CREATE_TOPICS_TIMEOUT_MS or a topic with too few partitions,
// 78 bad configuration.
import { env, loadConfigOrExit, type ConfigOf } from '@streamcell/config';
import { alertTopics, checkpointMaxBytes, inferenceTopics, ingestTopics, modelWeightsTopic, topicSettings, trainerCheckpointsTopic, type TopicLayout } from '@streamcell/events';
import { KafkaConnection, kafkaConnectionSchema, retryRetriable, startupRetryLog, type TopicReport } from '@streamcell/kafka';
import { JsonLogger } from '@streamcell/observability';

export const createTopicsSchema = {
  ...kafkaConnectionSchema,
  ...topicSettings,
  timeoutMs: env.int('CREATE_TOPICS_TIMEOUT_MS', { default: 120_000, min: 1000, max: 3_600_000, doc: 'How long to keep retrying while Kafka is unreachable (ms).' }),
  logLevel: env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, { default: 'info', doc: 'Lowest level logged.' }),
};

export type CreateTopicsConfig = ConfigOf<typeof createTopicsSchema>;

/** Every topic of the system, in the layouts the services themselves would create. */
export function topicPlan(c: CreateTopicsConfig): TopicLayout[] {
  const alertsDlq = alertTopics(c).filter((t) => t.name !== c.alerts);
  return [...ingestTopics(c), ...inferenceTopics(c), ...alertsDlq, modelWeightsTopic(c, c.maxModelBytes), trainerCheckpointsTopic(c, checkpointMaxBytes(c.maxModelBytes))];
}

/** Creates what is missing and verifies the rest, retrying with backoff while Kafka is unreachable. */
export async function createTopics(c: CreateTopicsConfig, logger: JsonLogger): Promise<TopicReport[]> {
  const admin = new KafkaConnection(c, logger, 'create-topics').admin();
  try {
    // Only an unreachable cluster heals by waiting; a layout problem (too few partitions) or
    // refused authentication does not, and is thrown at once.
    const reports = await retryRetriable(() => admin.ensureTopics(topicPlan(c)), {
      context: 'create topics',
      initialDelayMs: 500,
      deadlineMs: c.timeoutMs,
      onRetry: startupRetryLog(logger, 'Kafka not reachable yet, retrying'),
    });
    return reports ?? [];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('create-topics', createTopicsSchema, process.env);
  const logger = new JsonLogger('create-topics', config.logLevel);
  const reports = await createTopics(config, logger);
  for (const r of reports) {
    logger.info(r.created ? 'topic created' : 'topic present', { topic: r.name, partitions: r.partitions });
    if (r.configDrift.length > 0) logger.warn('topic config differs from the expected one (not altered)', { topic: r.name, drift: r.configDrift });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`create-topics: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
