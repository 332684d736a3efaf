export { defaultAlertmanagerBin, freePort, LocalAlertmanager, type ActiveAlert } from './alertmanager';
export { DedicatedBroker, testBrokers } from './broker';
export { testConfig, topicEnv } from './config';
export { readTopicToEnd, TopicReader } from './topic-reader';
export { uniqueName, waitFor } from './wait';
export { tempDir } from './temp-dir';
export { exited } from './child';
