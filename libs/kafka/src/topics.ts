import type { Admin } from 'kafkajs';
import { KafkaError, kafkaErrorType, toKafkaError, TopicLayoutError } from './errors';
import { retryRetriable } from './retry';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Defaults to 1 (single-node development); set to 3 on real clusters. */
  readonly replicationFactor?: number;
  /** Topic configs, e.g. { 'cleanup.policy': 'compact', 'max.message.bytes': '8388608' }. */
  readonly configs?: Readonly<Record<string, string>>;
}

/**
 * min.insync.replicas for a replication factor: 2 from RF 3 up, so that acks=all means "written
 * to at least two brokers" whatever the broker default is (Kafka's is 1, which makes acks=all
 * with one replica in sync no better than acks=1). 1 below that: with RF 2 a value of 2 would stop
 * every write while one broker is down, and RF 1 (single-node development) cannot do more.
 */
export function minInsyncReplicas(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : 1;
}

/** The configs a topic is created with and checked against: min.insync.replicas, then the spec's own. */
export function topicConfigs(spec: TopicSpec): Record<string, string> {
  return { 'min.insync.replicas': String(minInsyncReplicas(spec.replicationFactor ?? 1)), ...spec.configs };
}

export interface TopicReport {
  readonly name: string;
  readonly created: boolean;
  readonly partitions: number;
  /** Configs whose live value differs from the spec (existing topics are not altered). */
  readonly configDrift: readonly { name: string; wanted: string; actual: string | undefined }[];
}

/**
 * Creates missing topics and verifies existing ones. Idempotent: safe from every replica at boot.
 * An existing topic with fewer partitions than required is an error rather than something to
 * "fix" by adding partitions, because that would move keys to other partitions and break the
 * co-partitioning of `events` and the state changelog.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[], options: EnsureTopicsOptions = {}): Promise<TopicReport[]> {
  // Several services run this at boot at the same moment. One creates a topic; the others see it
  // listed before its metadata and leaders have reached every broker, and their metadata or
  // config requests fail with UNKNOWN_TOPIC_OR_PARTITION. That settles within seconds, so those
  // errors (and a partition still without a leader) are retried here; anything else goes to the
  // caller's own policy at once.
  const reports = await retryRetriable(() => ensureOnce(admin, specs), {
    context: 'ensureTopics',
    initialDelayMs: 100,
    maxDelayMs: 2000,
    deadlineMs: options.settleTimeoutMs ?? 30_000,
    shouldRetry: isSettling,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (reports === undefined) throw new KafkaError('ensureTopics: aborted', true);
  return reports;
}

export interface EnsureTopicsOptions {
  /** How long to wait for just-created topics to get metadata and leaders everywhere. */
  readonly settleTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Broker answers that mean "the topic is being created or moved; ask again shortly". */
const settlingTypes = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'NOT_CONTROLLER']);

function isSettling(e: KafkaError): boolean {
  if (e instanceof TopicsNotSettledError || settlingTypes.has(kafkaErrorType(e) ?? '')) return true;
  // kafkajs answers a CreateTopics in which other clients won the race for some topics (and not
  // others) with one aggregate error: the next attempt finds those topics listed.
  const errors = (e.cause as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((x) => ['TOPIC_ALREADY_EXISTS', ...settlingTypes].includes(kafkaErrorType(x) ?? ''));
}

/** A topic is listed but some of its partitions have no leader yet. */
class TopicsNotSettledError extends KafkaError {
  override readonly name = 'TopicsNotSettledError';
  constructor(partitions: readonly string[]) {
    super(`partitions without a leader yet: ${partitions.join(', ')}`, true);
  }
}

async function ensureOnce(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicReport[]> {
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor ?? 1,
          configEntries: Object.entries(topicConfigs(s)).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    const partitionsOf = new Map(topics.map((t) => [t.name, t.partitions.length]));
    const leaderless = topics.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`));
    if (leaderless.length > 0) throw new TopicsNotSettledError(leaderless);
    const drift = await describeDrift(admin, specs.filter((s) => existing.has(s.name)));
    return specs.map((s) => {
      const partitions = partitionsOf.get(s.name) ?? 0;
      if (partitions < s.partitions) {
        throw new TopicLayoutError(
          `topic ${s.name} has ${partitions} partitions, ${s.partitions} required; recreate it or lower the configured count`,
        );
      }
      return { name: s.name, created: !existing.has(s.name), partitions, configDrift: drift.get(s.name) ?? [] };
    });
  } catch (e) {
    throw toKafkaError(e, 'ensureTopics');
  }
}

async function describeDrift(admin: Admin, specs: readonly TopicSpec[]): Promise<Map<string, TopicReport['configDrift']>> {
  const out = new Map<string, TopicReport['configDrift']>();
  // Every spec has configs now (min.insync.replicas at least): an existing topic created without
  // it is reported, not altered.
  const withConfigs = specs.map((s) => ({ name: s.name, configs: topicConfigs(s) }));
  if (withConfigs.length === 0) return out;
  // ConfigResourceTypes.TOPIC = 2; the enum is not re-exported in every kafkajs typing version.
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: withConfigs.map((s) => ({ type: 2, name: s.name, configNames: Object.keys(s.configs) })),
  });
  for (const res of described.resources) {
    const spec = withConfigs.find((s) => s.name === res.resourceName);
    if (spec === undefined) continue;
    const actual = new Map(res.configEntries.map((c) => [c.configName, c.configValue]));
    const diffs = Object.entries(spec.configs)
      .filter(([name, wanted]) => actual.get(name) !== wanted)
      .map(([name, wanted]) => ({ name, wanted, actual: actual.get(name) }));
    out.set(spec.name, diffs);
  }
  return out;
}
