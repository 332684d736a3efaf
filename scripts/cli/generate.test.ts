import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runGenerate } from './generate';

it('refuses a fraction where a count is asked, before posting anything', async () => {
  for (const [flag, value] of [['--streams', '1.5'], ['--width', '2.5'], ['--batch', '3.5'], ['--period', '2.5'], ['--shift-after', '10.5']]) {
    const lines: string[] = [];
    // Nothing listens at this address: a refusal must come before any post.
    const code = await runGenerate(['--url', 'http://127.0.0.1:1', flag, value], (l) => lines.push(l));
    assert.equal(code, 2, `${flag} ${value}`);
    assert.match(lines.join('\n'), new RegExp(`${flag} "${value.replace('.', '\\.')}" must be a whole number`));
  }
});
