import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HostStateCache } from './host-cache';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const anonRss = (): number => Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN) * 1024;

it('charges each entry about what it takes in resident memory, so the bound holds for small records', () => {
  const n = 150_000;
  const cache = new HostStateCache(1e12, null); // memory only, nothing spills
  const record = Buffer.alloc(100, 7);
  // Restored records are copies of the message value, each with its own ArrayBuffer.
  for (let i = 0; i < 20_000; i++) cache.put(`warm-${i}`, { bytes: new Uint8Array(record), lastSeen: i });
  gc();
  gc();
  const [rss0, charged0] = [anonRss(), cache.bytesInMemory];
  for (let i = 0; i < n; i++) cache.put(`stream-${i}`, { bytes: new Uint8Array(record), lastSeen: i });
  gc();
  gc();
  const perEntry = (anonRss() - rss0) / n;
  const charged = (cache.bytesInMemory - charged0) / n;
  assert.ok(perEntry <= charged * 1.25, `resident ${perEntry.toFixed(0)} B per entry, charged ${charged.toFixed(0)}`);
});
