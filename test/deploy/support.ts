import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Support for the deploy/ tests: rendering the kustomize overlays and validating the objects. */

export const root = resolve(__dirname, '..', '..');
export const deployDir = join(root, 'deploy');

/** Pinned: the version `kubectl` 1.32 embeds; installs with the Go toolchain in this repository's CI. */
export const kustomizeVersion = 'v5.5.0';
const cacheBin = join(process.env.STREAMCELL_CACHE ?? join(homedir(), '.cache', 'streamcell'), 'bin');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
  [key: string]: unknown;
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let renderer: { cmd: string; args: string[]; label: string } | undefined;

/**
 * kustomize, in this order: the cached binary (~/.cache/streamcell/bin, installed there by a
 * previous run), one on PATH, `go install` into the cache, `kubectl kustomize`.
 */
export function kustomize(): { cmd: string; args: string[]; label: string } {
  if (renderer !== undefined) return renderer;
  const cached = join(cacheBin, 'kustomize');
  if (!existsSync(cached) && !onPath('kustomize') && onPath('go')) {
    mkdirSync(cacheBin, { recursive: true });
    spawnSync('go', ['install', `sigs.k8s.io/kustomize/kustomize/v5@${kustomizeVersion}`], {
      env: { ...process.env, GOBIN: cacheBin },
      stdio: 'ignore',
      timeout: 100_000,
    });
  }
  if (existsSync(cached)) renderer = { cmd: cached, args: ['build'], label: `kustomize (${cached})` };
  else if (onPath('kustomize')) renderer = { cmd: 'kustomize', args: ['build'], label: 'kustomize (PATH)' };
  else if (onPath('kubectl')) renderer = { cmd: 'kubectl', args: ['kustomize'], label: 'kubectl kustomize' };
  else throw new Error('no kustomize: install Go (the tests then fetch kustomize through the Go module proxy) or kubectl');
  return renderer;
}

/** Renders a kustomization directory and parses every object. */
export function render(dir: string): K8sObject[] {
  const { cmd, args, label } = kustomize();
  const r = spawnSync(cmd, [...args, dir], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${label} ${dir} failed: ${r.stderr || String(r.error)}`);
  return parseYamlDocuments(r.stdout) as K8sObject[];
}

export function parseYamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
    return doc.toJS() as unknown;
  });
}

type ModelClass = new (data: unknown) => { validate(): void };
const load = createRequire(__filename);

/**
 * apiVersion/kind -> kubernetes-models class, whose validate() checks an object against the
 * Kubernetes OpenAPI schema (types, required fields, enums; unknown fields are not rejected).
 * The packages are ESM-only with an "import"-only exports map, which CommonJS cannot resolve by
 * name; their files are loaded by path instead (Node >= 20.19 requires ES modules).
 */
function model(pkg: string, path: string, name: string): ModelClass {
  const m = load(join(root, 'node_modules', pkg, `${path}/${name}.js`)) as Record<string, ModelClass | undefined>;
  const cls = m[name];
  if (cls === undefined) throw new Error(`${pkg}/${path} has no ${name}`);
  return cls;
}
const k8s = 'kubernetes-models';
export const models: Record<string, ModelClass> = {
  'v1/ConfigMap': model(k8s, 'v1', 'ConfigMap'),
  'v1/Namespace': model(k8s, 'v1', 'Namespace'),
  'v1/Secret': model(k8s, 'v1', 'Secret'),
  'v1/Service': model(k8s, 'v1', 'Service'),
  'apps/v1/Deployment': model(k8s, 'apps/v1', 'Deployment'),
  'apps/v1/StatefulSet': model(k8s, 'apps/v1', 'StatefulSet'),
  'batch/v1/Job': model(k8s, 'batch/v1', 'Job'),
  'policy/v1/PodDisruptionBudget': model(k8s, 'policy/v1', 'PodDisruptionBudget'),
  'keda.sh/v1alpha1/ScaledObject': model('@kubernetes-models/keda', 'keda.sh/v1alpha1', 'ScaledObject'),
  'monitoring.coreos.com/v1/ServiceMonitor': model('@kubernetes-models/prometheus-operator', 'monitoring.coreos.com/v1', 'ServiceMonitor'),
};

/** Validates against the OpenAPI schema of its kind; throws naming the object and the problem. */
export function validateObject(o: K8sObject): void {
  const Model = models[`${o.apiVersion}/${o.kind}`];
  if (Model === undefined) throw new Error(`${o.kind} ${o.metadata.name}: no schema for ${o.apiVersion}/${o.kind}`);
  try {
    new Model(o).validate();
  } catch (e) {
    throw new Error(`${o.kind} ${o.metadata.name} (${o.apiVersion}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
