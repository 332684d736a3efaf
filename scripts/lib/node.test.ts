import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as NodeVersion from './node.mjs';

const root = join(__dirname, '..', '..');
const load = (): Promise<typeof NodeVersion> => import('./node.mjs');

/** package.json engines, the image's Node, the Node `npm test` fetches, and the tests' Node agree. */
describe('supported Node.js', () => {
  it('engines accepts only the LTS lines the dependencies support (testcontainers needs >= 22.22)', async () => {
    const { minimumNode } = await load();
    assert.deepEqual(minimumNode(root), [22, 22, 0]);
  });

  it('the Docker image runs a Node the engines field accepts, on the line npm test fetches', async () => {
    const { minimumNode, pinnedNode, satisfies } = await load();
    const image = /^ARG NODE_IMAGE=node:(\d+(?:\.\d+)*)-/m.exec(readFileSync(join(root, 'deploy/docker/Dockerfile'), 'utf8'))?.[1];
    assert.ok(image !== undefined, 'deploy/docker/Dockerfile has ARG NODE_IMAGE=node:<version>-…');
    assert.ok(satisfies(image, minimumNode(root)), `image node ${image} vs engines`);
    assert.ok(satisfies(pinnedNode, minimumNode(root)), `fetched node ${pinnedNode} vs engines`);
    assert.equal(image.split('.')[0], pinnedNode.split('.')[0]);
  });

  it('the tests themselves run on a supported Node (npm test re-runs itself under one)', async () => {
    const { minimumNode, satisfies } = await load();
    assert.ok(satisfies(process.version, minimumNode(root)), `running ${process.version}`);
  });

  it('compares versions numerically', async () => {
    const { satisfies } = await load();
    assert.equal(satisfies('v22.22.0', [22, 22, 0]), true);
    assert.equal(satisfies('22.9.0', [22, 22, 0]), false);
    assert.equal(satisfies('v20.20.2', [22, 22, 0]), false);
    assert.equal(satisfies('24.0.0', [22, 22, 0]), true);
  });
});
