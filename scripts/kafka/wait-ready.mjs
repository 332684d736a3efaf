// Waits until a broker really serves clients: metadata answers AND a topic can be created and
// described (a listening socket alone is not enough; the KRaft controller may still be electing).
// Usage: node wait-ready.mjs host:port timeoutMs
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs');

const [broker = '127.0.0.1:9092', timeoutArg = '60000'] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg);
const kafka = new Kafka({ clientId: 'streamcell-wait-ready', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 0 } });

async function probe() {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null) return false;
    await admin.createTopics({ topics: [{ topic: '__streamcell_ready', numPartitions: 1 }], waitForLeaders: true });
    await admin.fetchTopicMetadata({ topics: ['__streamcell_ready'] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

while (Date.now() < deadline) {
  if (await probe()) process.exit(0);
  await new Promise((r) => setTimeout(r, 250));
}
console.error(`wait-ready: ${broker} not ready after ${timeoutArg} ms`);
process.exit(1);
