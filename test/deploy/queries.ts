import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deployDir } from './support';

/** The PromQL of every Grafana panel and every Prometheus rule in deploy/, with where it is. */
interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

export function dashboardExprs(): { where: string; expr: string }[] {
  const dir = join(deployDir, 'grafana', 'dashboards');
  const out: { where: string; expr: string }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const dash = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels: Panel[] };
    const walk = (panels: Panel[]): void => {
      for (const p of panels) {
        for (const t of p.targets ?? []) if (t.expr !== undefined) out.push({ where: `${file} "${p.title ?? ''}"`, expr: t.expr });
        walk(p.panels ?? []);
      }
    };
    walk(dash.panels);
  }
  return out;
}

export function ruleExprs(): { where: string; expr: string }[] {
  const dir = join(deployDir, 'prometheus', 'rules');
  const out: { where: string; expr: string }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
    for (const g of doc.groups) for (const r of g.rules) out.push({ where: `${file} ${r.alert ?? r.record ?? '?'}`, expr: r.expr });
  }
  return out;
}

