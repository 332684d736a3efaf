import type { Admin, Kafka } from 'kafkajs';
import { BrokerWatch, type BrokerWatchOptions } from './broker-watch';
import { toKafkaError } from './errors';
import { ensureTopics, type EnsureTopicsOptions, type TopicReport, type TopicSpec } from './topics';

/** Topic management and broker reachability checks (readiness probes). */
export class KafkaAdmin {
  private readonly admin: Admin;
  private connected = false;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    try {
      await this.admin.connect();
      this.connected = true;
    } catch (e) {
      throw toKafkaError(e, 'admin connect');
    }
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.admin.disconnect();
  }

  async ensureTopics(specs: readonly TopicSpec[], options?: EnsureTopicsOptions): Promise<TopicReport[]> {
    await this.connect();
    return ensureTopics(this.admin, specs, options);
  }

  /**
   * Resolves with the number of live brokers when the cluster answers a metadata request within
   * `timeoutMs`; rejects otherwise. Health probes read it through `watch()`, never directly.
   */
  async ping(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Kafka within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.connect(), timeout]);
      const cluster = await Promise.race([this.admin.describeCluster(), timeout]);
      return cluster.brokers.length;
    } catch (e) {
      throw toKafkaError(e, 'ping');
    } finally {
      clearTimeout(timer);
    }
  }

  /** A background reachability check over `ping`, for health probes that must not wait on Kafka. */
  watch(options?: BrokerWatchOptions): BrokerWatch {
    return new BrokerWatch((timeoutMs) => this.ping(timeoutMs), options);
  }

  /** Latest offset of every partition: used for lag metrics and by tests. */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    await this.connect();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  }

  /** Earliest offset of every partition (after retention/compaction). */
  async startOffsets(topic: string): Promise<Map<number, bigint>> {
    await this.connect();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.low)]));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    await this.connect();
    const [res] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((res?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    await this.connect();
    await this.admin.deleteGroups([...groupIds]);
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    await this.connect();
    await this.admin.deleteTopics({ topics: [...topics] });
  }
}
