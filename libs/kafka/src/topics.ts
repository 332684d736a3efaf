import type { Admin } from 'kafkajs';
import { toKafkaError, TopicLayoutError } from './errors';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Defaults to 1 (single-node development); set to 3 on real clusters. */
  readonly replicationFactor?: number;
  /** Topic configs, e.g. { 'cleanup.policy': 'compact', 'max.message.bytes': '8388608' }. */
  readonly configs?: Readonly<Record<string, string>>;
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
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicReport[]> {
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
          configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    const partitionsOf = new Map(topics.map((t) => [t.name, t.partitions.length]));
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
  const withConfigs = specs.filter((s) => Object.keys(s.configs ?? {}).length > 0);
  if (withConfigs.length === 0) return out;
  // ConfigResourceTypes.TOPIC = 2; the enum is not re-exported in every kafkajs typing version.
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: withConfigs.map((s) => ({ type: 2, name: s.name, configNames: Object.keys(s.configs ?? {}) })),
  });
  for (const res of described.resources) {
    const spec = withConfigs.find((s) => s.name === res.resourceName);
    if (spec === undefined) continue;
    const actual = new Map(res.configEntries.map((c) => [c.configName, c.configValue]));
    const diffs = Object.entries(spec.configs ?? {})
      .filter(([name, wanted]) => actual.get(name) !== wanted)
      .map(([name, wanted]) => ({ name, wanted, actual: actual.get(name) }));
    out.set(spec.name, diffs);
  }
  return out;
}
