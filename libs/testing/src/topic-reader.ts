import { KafkaConnection, silentLogger, type BatchConsumer, type ConsumedMessage, type KafkaConnectionConfig } from '@streamcell/kafka';
import { uniqueName, waitFor } from './wait';

/** Reads a topic from the beginning (read_committed) into memory, for assertions. */
export class TopicReader {
  readonly messages: ConsumedMessage[] = [];
  private readonly consumer: BatchConsumer;

  constructor(config: KafkaConnectionConfig, topic: string, options: { readCommitted?: boolean } = {}) {
    const connection = new KafkaConnection(config, silentLogger, 'test-reader');
    this.consumer = connection.consumer({
      groupId: uniqueName('reader'),
      topics: [topic],
      fromBeginning: true,
      readCommitted: options.readCommitted ?? true,
    });
  }

  async start(): Promise<this> {
    await this.consumer.start((batch) => {
      this.messages.push(...batch);
      return Promise.resolve();
    });
    return this;
  }

  /** Waits until at least `n` messages arrived. */
  async waitForCount(n: number, timeoutMs = 30_000): Promise<ConsumedMessage[]> {
    await waitFor(`${n} messages (have ${this.messages.length})`, () => this.messages.length >= n, { timeoutMs });
    return this.messages;
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }
}

/**
 * Every record of a topic up to each partition's end offset now (read_committed), in offset order
 * within a partition. Records written after the call are not waited for, so it ends on a topic
 * that a running system keeps writing to.
 */
export async function readTopicToEnd(config: KafkaConnectionConfig, topic: string, timeoutMs = 30_000): Promise<ConsumedMessage[]> {
  const out: ConsumedMessage[] = [];
  const connection = new KafkaConnection(config, silentLogger, 'test-reader');
  const admin = connection.admin();
  let partitions: number[];
  try {
    partitions = [...(await admin.endOffsets(topic)).keys()];
  } finally {
    await admin.disconnect();
  }
  await connection.readToEnd(topic, partitions, (m) => out.push(m), timeoutMs);
  return out;
}
