import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, type Schema } from '@streamcell/config';
import { inferenceSchema } from '../../apps/inference/src/config';
import { ingestSchema } from '../../apps/ingest/src/config';
import { crossCheck, trainerSchema, type TrainerConfig } from '../../apps/trainer/src/config';
import { createTopicsSchema } from '../../scripts/kafka/create-topics';
import { deployDir, kustomize, render, validateObject, type K8sObject } from './support';

// Rendered with real kustomize (see support.ts for where it comes from), then every object is
// validated against the Kubernetes OpenAPI schemas (kubernetes-models; KEDA and Prometheus
// Operator CRDs through @kubernetes-models/keda and /prometheus-operator), then the wiring the
// schemas cannot see is checked: config parses under the apps' own schemas, probes, ports, GPU.

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; effect?: string }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface Workload {
  replicas?: number;
  strategy?: { type?: string };
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

const schemas: Record<string, Schema> = { ingest: ingestSchema, inference: inferenceSchema, trainer: trainerSchema, 'create-topics': createTopicsSchema };
const ports: Record<string, number> = { ingest: 8080, inference: 8081, trainer: 8082 };
const knownVariables = new Set([
  ...Object.values(schemas).flatMap((s) => Object.values(s).map((setting) => setting.variable)),
  'NODE_OPTIONS',
  'STREAMCELL_APP',
]);

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} is rendered`);
  return o;
}
const workload = (o: K8sObject): Workload => o.spec as Workload;
const podOf = (o: K8sObject): PodSpec => (o.kind === 'Job' ? (o.spec as { template: { spec: PodSpec } }).template.spec : workload(o).template.spec);

/** The environment a container sees: its ConfigMaps and Secrets (decoded), then env. */
function environmentOf(objects: K8sObject[], c: Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    assert.ok(ref, `${c.name}: envFrom names a ConfigMap or Secret`);
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const source = find(objects, kind, ref.name);
    for (const [k, v] of Object.entries(source.data ?? {})) out[k] = kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v;
  }
  for (const e of c.env ?? []) if (e.value !== undefined) out[e.name] = e.value;
  return out;
}

function appOf(c: Container): string {
  const app = c.args?.[0];
  assert.ok(app !== undefined && app in schemas, `${c.name}: args[0] names a streamcell app (got ${String(app)})`);
  return app;
}

for (const overlay of ['cpu', 'gpu'] as const) {
  describe(`deploy/k8s/overlays/${overlay}`, () => {
    const objects = render(join(deployDir, 'k8s', 'overlays', overlay));

    it(`renders with ${kustomize().label} and every object validates against its OpenAPI schema`, () => {
      assert.ok(objects.length >= 15, `${objects.length} objects`);
      const problems: string[] = [];
      for (const o of objects) {
        try {
          validateObject(o);
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      assert.deepEqual(problems, []);
      for (const o of objects) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'streamcell', `${o.kind} ${o.metadata.name} namespace`);
    });

    it('has every object the issue asks for', () => {
      for (const [kind, name] of [
        ['Deployment', 'ingest'], ['Service', 'ingest'], ['PodDisruptionBudget', 'ingest'],
        ['Deployment', 'inference'], ['Service', 'inference'], ['PodDisruptionBudget', 'inference'], ['ScaledObject', 'inference'],
        ['Deployment', 'trainer'], ['Service', 'trainer'], ['Job', 'create-topics'], ['ServiceMonitor', 'streamcell'],
      ] as const) find(objects, kind, name);
      assert.ok(objects.some((o) => o.kind === 'ConfigMap'), 'a ConfigMap');
      assert.ok(objects.some((o) => o.kind === 'Secret' && 'KAFKA_SASL_PASSWORD' in (o.data ?? {})), 'KAFKA_SASL_PASSWORD in a Secret');
      assert.ok(objects.some((o) => o.kind === 'Secret' && 'INGEST_API_KEYS' in (o.data ?? {})), 'INGEST_API_KEYS in a Secret');
      for (const o of objects.filter((x) => x.kind === 'ConfigMap')) {
        for (const secret of ['KAFKA_SASL_PASSWORD', 'INGEST_API_KEYS']) assert.ok(!(secret in (o.data ?? {})), `${secret} is not in ConfigMap ${o.metadata.name}`);
      }
    });

    it('configures every container with variables its app knows, and the values parse under its schema', () => {
      for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
        for (const c of podOf(o).containers) {
          const app = appOf(c);
          const environment = environmentOf(objects, c);
          const unknown = Object.keys(environment).filter((k) => !knownVariables.has(k));
          assert.deepEqual(unknown, [], `${o.kind} ${o.metadata.name}: variables no app reads`);
          const schema = schemas[app];
          assert.ok(schema);
          const config = loadConfig(schema, environment) as Record<string, unknown>;
          if (app === 'trainer') assert.deepEqual(crossCheck(config as unknown as TrainerConfig), []);
          if (app in ports) assert.equal(config.port, ports[app], `${app} port`);
        }
      }
    });

    it('probes /health/live and /health/ready on each service port, runs as non-root, sets resources', () => {
      for (const app of ['ingest', 'inference', 'trainer']) {
        const pod = podOf(find(objects, 'Deployment', app));
        const [c] = pod.containers;
        assert.ok(c);
        const http = c.ports?.find((p) => p.name === 'http');
        assert.equal(http?.containerPort, ports[app]);
        for (const [probe, path] of [[c.livenessProbe, '/health/live'], [c.readinessProbe, '/health/ready']] as const) {
          assert.equal(probe?.httpGet?.path, path, `${app} probe path`);
          assert.ok(probe.httpGet.port === 'http' || probe.httpGet.port === ports[app], `${app} probe port`);
        }
        assert.ok(c.resources?.requests?.cpu !== undefined && c.resources.requests.memory !== undefined, `${app} requests`);
        assert.ok(c.resources.limits?.memory !== undefined, `${app} memory limit`);
        assert.equal(pod.securityContext?.runAsNonRoot, true);
        assert.ok((pod.securityContext.runAsUser ?? 0) > 0);
        const svc = find(objects, 'Service', app).spec as { selector: Record<string, string>; ports: { port: number; targetPort: string | number }[] };
        assert.equal(svc.ports[0]?.port, ports[app]);
        const labels = workload(find(objects, 'Deployment', app)).template.metadata.labels;
        for (const [k, v] of Object.entries(svc.selector)) assert.equal(labels[k], v, `Service ${app} selects the ${app} pods`);
      }
    });

    it('gives inference and trainer more time to stop than a commit takes; trainer is a single Recreate replica', () => {
      const inference = find(objects, 'Deployment', 'inference');
      const [c] = podOf(inference).containers;
      assert.ok(c);
      const config = loadConfig(inferenceSchema, environmentOf(objects, c));
      const graceMs = (podOf(inference).terminationGracePeriodSeconds ?? 30) * 1000;
      assert.ok(graceMs > config.commitIntervalMs + config.transactionTimeoutMs, `grace ${graceMs} ms > commit interval + transaction timeout`);
      const trainer = find(objects, 'Deployment', 'trainer');
      assert.equal(workload(trainer).replicas, 1);
      assert.equal(workload(trainer).strategy?.type, 'Recreate');
      assert.ok((podOf(trainer).terminationGracePeriodSeconds ?? 30) >= 60);
    });

    it('PodDisruptionBudgets select Deployment pods; the ServiceMonitor selects the three Services', () => {
      for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
        const sel = (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
        const target = find(objects, 'Deployment', pdb.metadata.name);
        const labels = workload(target).template.metadata.labels;
        for (const [k, v] of Object.entries(sel)) assert.equal(labels[k], v);
        assert.ok((workload(target).replicas ?? 1) > 1, `PDB ${pdb.metadata.name} on a multi-replica Deployment`);
      }
      const sm = find(objects, 'ServiceMonitor', 'streamcell').spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
      const selected = objects.filter(
        (o) => o.kind === 'Service' && Object.entries(sm.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v),
      );
      assert.deepEqual(selected.map((s) => s.metadata.name).sort(), ['inference', 'ingest', 'trainer']);
      assert.deepEqual(sm.endpoints.map((e) => [e.port, e.path]), [['http', '/metrics']]);
    });

    it('scales inference with KEDA on the lag of its own consumer group and topic', () => {
      const so = find(objects, 'ScaledObject', 'inference').spec as {
        scaleTargetRef: { name: string };
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
      assert.equal(so.scaleTargetRef.name, 'inference');
      const [trigger] = so.triggers;
      assert.equal(trigger?.type, 'kafka');
      const [c] = podOf(find(objects, 'Deployment', 'inference')).containers;
      assert.ok(c);
      const environment = environmentOf(objects, c);
      const config = loadConfig(inferenceSchema, environment);
      assert.equal(trigger.metadata.consumerGroup, config.groupId);
      assert.equal(trigger.metadata.topic, config.events);
      const fromEnv = trigger.metadata.bootstrapServersFromEnv;
      assert.ok(fromEnv !== undefined && environment[fromEnv] !== undefined, 'bootstrapServersFromEnv names a variable of the container');
      assert.ok(Number(trigger.metadata.lagThreshold) > 0);
      assert.ok(so.maxReplicaCount <= config.eventsPartitions, 'no more replicas than partitions');
    });

    it('runs the topic Job with the create-topics entry point and the shared config', () => {
      const job = find(objects, 'Job', 'create-topics');
      const pod = podOf(job) as PodSpec & { restartPolicy?: string };
      assert.equal(pod.containers[0]?.args?.[0], 'create-topics');
      assert.equal(pod.restartPolicy, 'Never');
      const [c] = pod.containers;
      assert.ok(c);
      const config = loadConfig(createTopicsSchema, environmentOf(objects, c));
      assert.ok(config.replicationFactor >= 1);
    });

    it(overlay === 'gpu' ? 'puts inference on a GPU with the CUDA provider' : 'keeps inference on the CPU', () => {
      const pod = podOf(find(objects, 'Deployment', 'inference'));
      const [c] = pod.containers;
      assert.ok(c);
      const config = loadConfig(inferenceSchema, environmentOf(objects, c));
      if (overlay === 'gpu') {
        assert.equal(String(c.resources?.limits?.['nvidia.com/gpu']), '1');
        assert.equal(String(c.resources?.requests?.['nvidia.com/gpu']), '1');
        assert.ok(Object.keys(pod.nodeSelector ?? {}).length > 0, 'nodeSelector');
        assert.ok(pod.tolerations?.some((t) => t.key === 'nvidia.com/gpu'), 'toleration for nvidia.com/gpu');
        assert.equal(config.engine, 'onnx');
        assert.equal(config.onnxProvider, 'cuda');
        assert.match(c.image, /-gpu$/);
        for (const app of ['ingest', 'trainer']) {
          const other = podOf(find(objects, 'Deployment', app)).containers[0];
          assert.doesNotMatch(other?.image ?? '', /-gpu$/, `${app} stays on the CPU image`);
        }
      } else {
        assert.equal(c.resources?.limits?.['nvidia.com/gpu'], undefined);
        assert.equal(config.onnxProvider, 'cpu');
        assert.equal(pod.tolerations, undefined);
      }
    });
  });
}
