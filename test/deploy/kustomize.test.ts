import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, type Schema } from '@streamcell/config';
import { topicConfigs } from '@streamcell/kafka';
import { alertsConfigProblems, alertsSchema, type AlertsConfig } from '../../apps/alerts/src/config';
import { inferenceSchema } from '../../apps/inference/src/config';
import { ingestSchema } from '../../apps/ingest/src/config';
import { crossCheck, trainerSchema, type TrainerConfig } from '../../apps/trainer/src/config';
import { createTopicsSchema, topicPlan } from '../../scripts/kafka/create-topics';
import { deployDir, kustomize, render, validateObject, type K8sObject } from './support';
import { imageSetting, isWorkload, podOf, version, workload, type Container, type PodSpec } from './workloads';

// Rendered with real kustomize (see support.ts for where it comes from), then every object is
// validated against the Kubernetes OpenAPI schemas (kubernetes-models; KEDA and Prometheus
// Operator CRDs through @kubernetes-models/keda and /prometheus-operator), then the wiring the
// schemas cannot see is checked: config parses under the apps' own schemas, probes, ports, GPU.

const schemas: Record<string, Schema> = { ingest: ingestSchema, inference: inferenceSchema, trainer: trainerSchema, alerts: alertsSchema, 'create-topics': createTopicsSchema };
const ports: Record<string, number> = { ingest: 8080, inference: 8081, trainer: 8082, alerts: 8083 };
const knownVariables = new Set([
  ...Object.values(schemas).flatMap((s) => Object.values(s).map((setting) => setting.variable)),
  'NODE_OPTIONS',
  'STREAMCELL_APP',
]);

function findWorkload(objects: K8sObject[], name: string): K8sObject {
  const o = objects.find((x) => isWorkload(x) && x.metadata.name === name);
  assert.ok(o, `missing Deployment or StatefulSet ${name}`);
  return o;
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} is rendered`);
  return o;
}
interface ScaledObjectSpec {
  scaleTargetRef: { name: string; kind?: string };
  minReplicaCount?: number;
  maxReplicaCount: number;
  triggers: { type: string; metadata: Record<string, string> }[];
}
const scaledObjects = (objects: K8sObject[]): ScaledObjectSpec[] => objects.filter((o) => o.kind === 'ScaledObject').map((o) => o.spec as ScaledObjectSpec);

/**
 * GPUs inference may hold in the gpu overlay, rolling updates included (docs/deploy.md, "gpu
 * overlay"). Without a bound KEDA would ask for one GPU per partition under lag.
 */
const gpuBudget = 4;

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
        ['StatefulSet', 'inference'], ['Service', 'inference'], ['PodDisruptionBudget', 'inference'], ['ScaledObject', 'inference'],
        ['Deployment', 'trainer'], ['Service', 'trainer'], ['Job', 'create-topics'], ['ServiceMonitor', 'streamcell'],
        ['Deployment', 'alerts'], ['Service', 'alerts'], ['PodDisruptionBudget', 'alerts'],
      ] as const) find(objects, kind, name);
      assert.ok(objects.some((o) => o.kind === 'ConfigMap'), 'a ConfigMap');
      assert.ok(objects.some((o) => o.kind === 'Secret' && 'KAFKA_SASL_PASSWORD' in (o.data ?? {})), 'KAFKA_SASL_PASSWORD in a Secret');
      assert.ok(objects.some((o) => o.kind === 'Secret' && 'INGEST_API_KEYS' in (o.data ?? {})), 'INGEST_API_KEYS in a Secret');
      for (const o of objects.filter((x) => x.kind === 'ConfigMap')) {
        for (const secret of ['KAFKA_SASL_PASSWORD', 'INGEST_API_KEYS']) assert.ok(!(secret in (o.data ?? {})), `${secret} is not in ConfigMap ${o.metadata.name}`);
      }
    });

    it('configures every container with variables its app knows, and the values parse under its schema', () => {
      for (const o of objects.filter((x) => isWorkload(x) || x.kind === 'Job')) {
        for (const c of podOf(o).containers) {
          const app = appOf(c);
          const environment = environmentOf(objects, c);
          const unknown = Object.keys(environment).filter((k) => !knownVariables.has(k));
          assert.deepEqual(unknown, [], `${o.kind} ${o.metadata.name}: variables no app reads`);
          const schema = schemas[app];
          assert.ok(schema);
          const config = loadConfig(schema, environment) as Record<string, unknown>;
          if (app === 'trainer') assert.deepEqual(crossCheck(config as unknown as TrainerConfig), []);
          if (app === 'alerts') assert.deepEqual(alertsConfigProblems(config as unknown as AlertsConfig), []);
          if (app in ports) assert.equal(config.port, ports[app], `${app} port`);
          // The live view follows three topics and buffers up to 300 x 5,000 items per replica,
          // more than ingest's 512 Mi limit holds under real traffic: opt-in, not the default.
          if (app === 'ingest') assert.equal((config as { liveView?: boolean }).liveView, false, 'INGEST_LIVE_VIEW is false');
        }
      }
    });

    it('probes /health/live and /health/ready on each service port, runs as non-root, sets resources', () => {
      for (const app of ['ingest', 'inference', 'trainer', 'alerts']) {
        const pod = podOf(findWorkload(objects, app));
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
        const labels = workload(findWorkload(objects, app)).template.metadata.labels;
        for (const [k, v] of Object.entries(svc.selector)) assert.equal(labels[k], v, `Service ${app} selects the ${app} pods`);
      }
    });

    it('gives inference and trainer more time to stop than a commit takes; trainer is a single Recreate replica', () => {
      const inference = findWorkload(objects, 'inference');
      const [c] = podOf(inference).containers;
      assert.ok(c);
      const config = loadConfig(inferenceSchema, environmentOf(objects, c));
      const graceMs = (podOf(inference).terminationGracePeriodSeconds ?? 30) * 1000;
      assert.ok(graceMs > config.commitIntervalMs + config.transactionTimeoutMs, `grace ${graceMs} ms > commit interval + transaction timeout`);
      const trainer = findWorkload(objects, 'trainer');
      assert.equal(workload(trainer).replicas, 1);
      assert.equal(workload(trainer).strategy?.type, 'Recreate');
      assert.ok((podOf(trainer).terminationGracePeriodSeconds ?? 30) >= 60);
    });

    it('PodDisruptionBudgets select Deployment pods; the ServiceMonitor selects the four Services', () => {
      for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
        const sel = (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
        const target = findWorkload(objects, pdb.metadata.name);
        const labels = workload(target).template.metadata.labels;
        for (const [k, v] of Object.entries(sel)) assert.equal(labels[k], v);
        // maxUnavailable, never minAvailable: a budget on a Deployment that is down to one
        // replica (KEDA's minimum) must not block node drains.
        const budget = pdb.spec as { maxUnavailable?: number; minAvailable?: number };
        assert.equal(budget.minAvailable, undefined, `PDB ${pdb.metadata.name} uses maxUnavailable`);
        assert.ok((budget.maxUnavailable ?? 0) >= 1, `PDB ${pdb.metadata.name} allows an eviction`);
        const scaled = scaledObjects(objects).find((so) => so.scaleTargetRef.name === pdb.metadata.name);
        assert.ok((scaled?.maxReplicaCount ?? workload(target).replicas ?? 1) > 1, `PDB ${pdb.metadata.name} on a multi-replica Deployment`);
      }
      const sm = find(objects, 'ServiceMonitor', 'streamcell').spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
      const selected = objects.filter(
        (o) => o.kind === 'Service' && Object.entries(sm.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v),
      );
      assert.deepEqual(selected.map((s) => s.metadata.name).sort(), ['alerts', 'inference', 'ingest', 'trainer']);
      assert.deepEqual(sm.endpoints.map((e) => [e.port, e.path]), [['http', '/metrics']]);
    });

    // KEDA's HPA writes spec.replicas of its target. A count in the manifest would be put back
    // by every `kubectl apply` or GitOps sync: a rebalance and a state restore each time.
    it('leaves the replica count of every KEDA-scaled Deployment to KEDA, and sets it on the others', () => {
      const scaled = new Set(scaledObjects(objects).map((so) => so.scaleTargetRef.name));
      assert.ok(scaled.has('inference'));
      for (const d of objects.filter(isWorkload)) {
        const spec = d.spec as Record<string, unknown>;
        if (scaled.has(d.metadata.name)) assert.ok(!('replicas' in spec), `Deployment ${d.metadata.name} is scaled by KEDA and sets replicas: ${String(spec.replicas)}`);
        else assert.equal(typeof spec.replicas, 'number', `Deployment ${d.metadata.name} sets replicas`);
      }
    });

    it(`names the image through the one images: setting (components/image, version ${version})`, () => {
      const setting = imageSetting();
      const references = new Set(setting.map((i) => `${i.newName}:${i.newTag}`));
      for (const o of objects.filter((x) => isWorkload(x) || x.kind === 'Job')) {
        for (const c of podOf(o).containers) assert.ok(references.has(c.image), `${o.kind} ${o.metadata.name}: ${c.image} comes from components/image`);
      }
      const images = new Set(objects.filter((x) => isWorkload(x) || x.kind === 'Job').flatMap((o) => podOf(o).containers.map((c) => c.image)));
      assert.deepEqual([...images].sort(), overlay === 'gpu' ? [`ghcr.io/streamcell/streamcell:${version}`, `ghcr.io/streamcell/streamcell:${version}-gpu`] : [`ghcr.io/streamcell/streamcell:${version}`]);
    });

    it('scales inference with KEDA on the lag of its own consumer group and topic', () => {
      const so = find(objects, 'ScaledObject', 'inference').spec as ScaledObjectSpec;
      assert.equal(so.scaleTargetRef.name, 'inference');
      // KEDA's default target kind is Deployment: a StatefulSet must be named as one.
      assert.equal(so.scaleTargetRef.kind ?? 'Deployment', findWorkload(objects, 'inference').kind);
      const [trigger] = so.triggers;
      assert.equal(trigger?.type, 'kafka');
      const [c] = podOf(findWorkload(objects, 'inference')).containers;
      assert.ok(c);
      const environment = environmentOf(objects, c);
      const config = loadConfig(inferenceSchema, environment);
      assert.equal(trigger.metadata.consumerGroup, config.groupId);
      assert.equal(trigger.metadata.topic, config.events);
      const fromEnv = trigger.metadata.bootstrapServersFromEnv;
      assert.ok(fromEnv !== undefined && environment[fromEnv] !== undefined, 'bootstrapServersFromEnv names a variable of the container');
      assert.ok(Number(trigger.metadata.lagThreshold) > 0);
      // The consumer starts a new group at the earliest event; KEDA must count lag from there too.
      assert.equal(trigger.metadata.offsetResetPolicy, 'earliest');
      // Every thread is a group member (INFERENCE_THREADS; 0 would follow the node's cores, which a manifest cannot know).
      assert.ok(config.threads > 0, 'INFERENCE_THREADS set explicitly');
      assert.ok(so.maxReplicaCount * config.threads <= config.eventsPartitions, 'no more group members than partitions');
    });

    it('runs the topic Job with the create-topics entry point and the shared config', () => {
      const job = find(objects, 'Job', 'create-topics');
      const pod = podOf(job) as PodSpec & { restartPolicy?: string };
      assert.equal(pod.containers[0]?.args?.[0], 'create-topics');
      assert.equal(pod.restartPolicy, 'Never');
      const [c] = pod.containers;
      assert.ok(c);
      const config = loadConfig(createTopicsSchema, environmentOf(objects, c));
      assert.equal(config.replicationFactor, 3);
      // acks=all is only as strong as min.insync.replicas (broker default 1).
      for (const t of topicPlan(config)) assert.equal(topicConfigs(t)['min.insync.replicas'], '2', `${t.name}: min.insync.replicas with RF 3`);
      // A Job that deletes itself is a missing resource to Argo CD and Flux: they recreate it.
      assert.ok(!('ttlSecondsAfterFinished' in (job.spec as Record<string, unknown>)), 'no ttlSecondsAfterFinished');
      const annotations = job.metadata.annotations ?? {};
      assert.equal(annotations['argocd.argoproj.io/hook'], 'Sync');
      assert.equal(annotations['argocd.argoproj.io/hook-delete-policy'], 'BeforeHookCreation');
      assert.equal(annotations['kustomize.toolkit.fluxcd.io/force'], 'enabled');
    });

    it(overlay === 'gpu' ? 'puts inference on a GPU with the CUDA provider' : 'keeps inference on the CPU', () => {
      const pod = podOf(findWorkload(objects, 'inference'));
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
        // Peak GPUs: every replica KEDA may run, plus one spare (a StatefulSet replaces pods in
        // place; the spare covers a drained node's pod rescheduling before the old one is gone).
        const so = find(objects, 'ScaledObject', 'inference').spec as ScaledObjectSpec;
        const surge = 1;
        const gpus = Number(c.resources?.limits?.['nvidia.com/gpu']);
        assert.ok((so.maxReplicaCount + surge) * gpus <= gpuBudget, `(maxReplicaCount ${so.maxReplicaCount} + surge ${surge}) x ${gpus} GPU <= budget ${gpuBudget}`);
        assert.ok((so.minReplicaCount ?? 1) <= so.maxReplicaCount);
        for (const app of ['ingest', 'trainer']) {
          const other = podOf(findWorkload(objects, app)).containers[0];
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
