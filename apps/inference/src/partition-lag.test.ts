import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Metrics } from '@streamcell/observability';
import { InferenceMetrics } from './inference.metrics';
import { PartitionLag } from './partition-lag';

it('reports each owned partition and drops the series of partitions that moved away', async () => {
  const metrics = new Metrics('inference', { processMetrics: false });
  const lag = new PartitionLag(new InferenceMetrics(metrics).consumerLag);
  lag.report(0, '9', '30');
  lag.report(3, '99', '100');
  lag.report(5, '0', '0'); // an offset past the watermark's view is no negative lag
  const series = async (): Promise<string[]> => (await metrics.render()).split('\n').filter((l) => l.startsWith('streamcell_inference_consumer_lag{'));
  assert.deepEqual(await series(), [
    'streamcell_inference_consumer_lag{partition="0",service="inference"} 20',
    'streamcell_inference_consumer_lag{partition="3",service="inference"} 0',
    'streamcell_inference_consumer_lag{partition="5",service="inference"} 0',
  ]);
  lag.keepOnly(new Set([3, 7]));
  assert.deepEqual(await series(), ['streamcell_inference_consumer_lag{partition="3",service="inference"} 0']);
  lag.keepOnly(new Set());
  assert.deepEqual(await series(), []);
});
