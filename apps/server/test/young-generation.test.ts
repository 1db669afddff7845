// The server keeps V8's nursery at its starting size (src/young-generation.ts): checked in a real Node
// process that allocates the way a busy server does, with the heap's own statistics.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { keepYoungGenerationSmall } from '../src/young-generation.js';

const MODULE = fileURLToPath(new URL('../dist/young-generation.js', import.meta.url));

/** new_space's size (MiB) after 2 s of short-lived allocations with some survivors, in a fresh process. */
function nurseryAfterChurn(apply: boolean, nodeArgs: string[] = []): number {
  const script = `
    const { keepYoungGenerationSmall } = await import(${JSON.stringify(MODULE)});
    const v8 = await import('node:v8');
    if (${apply}) keepYoungGenerationSmall();
    const kept = [];
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      for (let i = 0; i < 10000; i++) {
        const part = { at: i, body: Buffer.allocUnsafe(64), pair: [i, i + 1] };
        if (i % 50 === 0) kept.push(part);
      }
      if (kept.length > 20000) kept.splice(0, 10000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const nursery = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    console.log(nursery.space_size / 1048576);`;
  const out = execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return Number(out.trim());
}

describe('keepYoungGenerationSmall', () => {
  test('holds the nursery at its starting size where V8 would grow it', { timeout: 20_000 }, () => {
    const grown = nurseryAfterChurn(false);
    const held = nurseryAfterChurn(true);
    // (its starting size differs by V8 version: 2 MiB on Node 20, about 5 on Node 24; grown, 32 and 128)
    expect(held, `nursery ${held} MiB with the setting, ${grown} MiB without`).toBeLessThanOrEqual(8);
    expect(grown, `nursery ${held} MiB with the setting, ${grown} MiB without`).toBeGreaterThanOrEqual(
      2 * held,
    );
  });

  test("leaves the young generation alone when the user sized it on node's command line", {
    timeout: 20_000,
  }, () => {
    const theirs = nurseryAfterChurn(true, ['--max-semi-space-size=32']);
    expect(theirs).toBeGreaterThan(8);
  });

  test('says whether it applied the setting, reading node flags and NODE_OPTIONS', () => {
    expect(keepYoungGenerationSmall(['--max-semi-space-size=8'], '')).toBe(false);
    expect(keepYoungGenerationSmall([], '--semi-space-growth-factor=2')).toBe(false);
    expect(keepYoungGenerationSmall([], '--min-semi-space-size=4 --max-old-space-size=200')).toBe(false);
  });
});
