/**
 * What the deploy tests read from rendered manifests: the pod shapes they check, which objects
 * are workloads, and the one image setting with the version it must carry.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { deployDir, root, type K8sObject } from './support';

export interface Container {
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
export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; effect?: string }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
export interface Workload {
  replicas?: number;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string } };
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

/** Pod controllers: Deployments, and the inference StatefulSet (it keeps its state volume). */
export const isWorkload = (o: K8sObject): boolean => o.kind === 'Deployment' || o.kind === 'StatefulSet';

export const workload = (o: K8sObject): Workload => o.spec as Workload;
export const podOf = (o: K8sObject): PodSpec => (o.kind === 'Job' ? (o.spec as { template: { spec: PodSpec } }).template.spec : workload(o).template.spec);

/** The one image setting (deploy/k8s/components/image) and the version it must carry. */
export const imageComponent = join(deployDir, 'k8s', 'components', 'image');
export const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
export function imageSetting(): { name: string; newName: string; newTag: string }[] {
  const k = parse(readFileSync(join(imageComponent, 'kustomization.yaml'), 'utf8')) as { images: { name: string; newName: string; newTag: string }[] };
  return k.images;
}

/** Every kustomization.yaml under deploy/k8s, relative to it. */
export function kustomizations(dir = join(deployDir, 'k8s')): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name === 'kustomization.yaml')
    .map((e) => relative(join(deployDir, 'k8s'), join(e.parentPath, e.name)));
}
