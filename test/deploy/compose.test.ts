import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '@streamcell/config';
import { parse } from 'yaml';
import { inferenceSchema } from '../../apps/inference/src/config';
import { ingestSchema } from '../../apps/ingest/src/config';
import { trainerSchema } from '../../apps/trainer/src/config';
import { createTopicsSchema } from '../../scripts/kafka/create-topics';
import { deployDir, root } from './support';

// No Docker engine here: the compose file is checked by parsing. It must name only services that
// exist, run only entry points the image has, set only variables an app reads, mount files that
// exist, and wire Prometheus and Grafana to files that parse.

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const composePath = join(deployDir, 'compose.yaml');
const compose = parse(readFileSync(composePath, 'utf8'), { merge: true }) as Compose;
const entries = ['ingest', 'inference', 'trainer', 'create-topics', 'model'];
const schemas = { ingest: ingestSchema, inference: inferenceSchema, trainer: trainerSchema, 'create-topics': createTopicsSchema };

describe('deploy/compose.yaml', () => {
  it('has Kafka, Prometheus, Grafana and the three services from standard images or the Dockerfile', () => {
    const names = Object.keys(compose.services);
    for (const s of ['kafka', 'prometheus', 'grafana', 'ingest', 'inference', 'trainer', 'create-topics']) assert.ok(names.includes(s), s);
    assert.match(compose.services.kafka?.image ?? '', /^apache\/kafka:/);
    assert.match(compose.services.prometheus?.image ?? '', /^prom\/prometheus:/);
    assert.match(compose.services.grafana?.image ?? '', /^grafana\/grafana:/);
    for (const app of ['ingest', 'inference', 'trainer', 'create-topics']) {
      const build = compose.services[app]?.build;
      assert.ok(build, `${app} is built`);
      assert.ok(existsSync(join(resolve(deployDir, build.context), build.dockerfile)), `${app}: ${build.dockerfile} exists`);
    }
  });

  it("keeps Kafka's data on the named volume", () => {
    const kafka = compose.services.kafka;
    const dataMount = (kafka?.volumes ?? []).find((v) => v.startsWith('kafka-data:'))?.split(':')[1];
    assert.ok(dataMount !== undefined, 'kafka-data is mounted');
    // The image writes to /tmp/kraft-combined-logs unless told otherwise.
    assert.equal(kafka?.environment?.KAFKA_LOG_DIRS, dataMount);
  });

  it('depends only on services that exist, without cycles', () => {
    const deps = (s: ComposeService): string[] => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));
    for (const [name, s] of Object.entries(compose.services)) {
      for (const d of deps(s)) assert.ok(d in compose.services, `${name} depends on ${d}, which is not a service`);
    }
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      assert.ok(!visiting.has(name), `dependency cycle: ${[...path, name].join(' -> ')}`);
      visiting.add(name);
      for (const d of deps(compose.services[name] ?? {})) visit(d, [...path, name]);
      visiting.delete(name);
    };
    for (const name of Object.keys(compose.services)) visit(name, []);
  });

  it('runs only entry points the image has, with variables those apps read and values they accept', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.build === undefined) continue;
      const app = s.command?.[0];
      assert.ok(app !== undefined && entries.includes(app), `${name}: command ${String(app)}`);
      const schema = schemas[app as keyof typeof schemas];
      const known = new Set(Object.values(schema).map((setting) => setting.variable));
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v).replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1')]));
      assert.deepEqual(Object.keys(env).filter((k) => !known.has(k)), [], `${name}: variables ${app} does not read`);
      // Throws with the variable names when a value does not parse.
      loadConfig(schema, env);
    }
  });

  it('mounts files that exist, and they parse', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const [source] = v.split(':');
        if (source === undefined || !source.startsWith('.')) {
          assert.ok(source !== undefined && source in (compose.volumes ?? {}), `${name}: named volume ${String(source)} is declared`);
          continue;
        }
        assert.ok(existsSync(resolve(deployDir, source)), `${name}: ${source} exists`);
      }
    }
    for (const f of ['grafana/provisioning/datasources/prometheus.yaml', 'grafana/provisioning/dashboards/streamcell.yaml', 'prometheus/prometheus.yml']) {
      assert.ok(parse(readFileSync(join(deployDir, f), 'utf8')), f);
    }
    const prom = parse(readFileSync(join(deployDir, 'prometheus', 'prometheus.yml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets)).sort();
    assert.deepEqual(targets, ['inference:8081', 'ingest:8080', 'trainer:8082']);
    for (const t of targets) assert.ok((t.split(':')[0] ?? '') in compose.services, `scrape target ${t} is a compose service`);
    assert.ok(existsSync(join(root, '.dockerignore')));
  });
});
