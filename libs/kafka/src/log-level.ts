import type { LogEntry } from 'kafkajs';

/**
 * Printed for every idempotent producer we create: their retries are bounded on purpose, a failed
 * request renews the producer id or epoch instead (KafkaProducer, TransactionalProducer).
 */
const boundedRetriesWarning = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/**
 * Protocol errors that are part of normal operation and that kafkajs retries by itself, by the
 * message kafkajs gives them (its log entries carry the text, not the code):
 * - CONCURRENT_TRANSACTIONS (51): a transaction started right after a commit. The broker answers
 *   EndTxn before it has written the commit markers, and AddPartitionsToTxn / InitProducerId are
 *   refused until it has, usually for a few ms. Transactions of one id never overlap on our side
 *   (each commit is awaited before the next begins); the Java client retries this silently.
 * - GROUP_LOAD_IN_PROGRESS (14), GROUP_COORDINATOR_NOT_AVAILABLE (15), NOT_COORDINATOR_FOR_GROUP
 *   (16): a coordinator starting or moving (first use of a group or transactional id, a broker
 *   restart), answered by looking the coordinator up again.
 * When retries run out the caller gets the error and logs it; the retries themselves are debug.
 */
export const expectedRetriableMessages: ReadonlyMap<string, string> = new Map([
  ['CONCURRENT_TRANSACTIONS', 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'],
  ['GROUP_LOAD_IN_PROGRESS', "The coordinator is loading and hence can't process requests for this group"],
  ['GROUP_COORDINATOR_NOT_AVAILABLE', 'The group coordinator is not available'],
  ['NOT_COORDINATOR_FOR_GROUP', 'This is not the correct coordinator for this group'],
]);

const expectedTexts = [...expectedRetriableMessages.values()];

/**
 * What kafkajs's consumer runner warns about when a member must rejoin because the group is
 * rebalancing (REBALANCE_IN_PROGRESS in a heartbeat or commit): a member joining or leaving, a
 * deploy, a scale-out. Normal operation, and the rejoin follows by itself; logged at debug.
 */
export const rebalanceMessage = 'The group is rebalancing, re-joining';
/** The error (REBALANCE_IN_PROGRESS, 27) on the heartbeat or commit response that precedes it. */
export const rebalanceError = 'The group is rebalancing, so a rejoin is needed';

/**
 * kafkajs's error for a CreateTopics response with any per-topic error. Two clients creating the
 * same missing topics at once (the threads of one worker, replicas starting together) make one of
 * them get TOPIC_ALREADY_EXISTS, which ensureTopics expects and answers by looking again. The entry
 * cannot tell that race from a real refusal, but ensureTopics throws every real one to its caller,
 * which logs it: the entry itself is debug.
 */
export const topicCreationError = 'Topic creation errors';

/**
 * kafkajs's texts for NOT_LEADER_FOR_PARTITION and LEADER_NOT_AVAILABLE. On a ListOffsets response
 * they mean a partition created a moment ago (under KRaft the metadata names its leader before
 * that broker serves it: every worker start on a fresh cluster) or a leader moving. kafkajs's
 * admin retries with fresh metadata, and a caller whose retries run out gets the error, so those
 * entries are debug. A Produce answered the same stays a warning: records wait on it.
 */
export const settlingLeaderErrors: readonly string[] = [
  'This server is not the leader for that topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
];

/**
 * The level a kafkajs WARN/ERROR entry is logged at. kafkajs logs at ERROR every protocol error
 * response and every retry of a send; most are retried and succeed, and failures that matter reach
 * the caller as exceptions, so the rest are warnings and the expected retries above are debug.
 */
export function levelOf(entry: Pick<LogEntry, 'log'>): 'debug' | 'warn' {
  const { message, error } = entry.log as { message: string; error?: unknown };
  if (message === boundedRetriesWarning || message === rebalanceMessage) return 'debug';
  if (message.startsWith('Response CreateTopics(') && error === topicCreationError) return 'debug';
  if (message.startsWith('Response ListOffsets(') && typeof error === 'string' && settlingLeaderErrors.includes(error)) return 'debug';
  const text = typeof error === 'string' ? `${message} ${error}` : message;
  return expectedTexts.some((t) => text.includes(t)) || text.includes(rebalanceError) ? 'debug' : 'warn';
}
