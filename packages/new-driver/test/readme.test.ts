import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { driverFiles } from '../src/templates.mjs';
import { REPO_ROOT } from './support.js';

// @cam/core's "Writing a driver" shows the files this scaffold writes for `pnpm new-driver file`; the
// scaffold's own tests build, lint, typecheck, test and serve those files, so the docs' code is tested.
describe("@cam/core's README, Writing a driver", () => {
  const readme = readFileSync(join(REPO_ROOT, 'packages/core/README.md'), 'utf8');
  const files = driverFiles({
    name: 'file',
    packageName: 'cam-driver-file',
    workspace: false,
    coreSpec: '^0.1.0',
    coreRange: '^0.1.0',
  });

  test.each([
    ['package.json', 'json'],
    ['src/index.ts', 'ts'],
    ['test/conformance.test.ts', 'ts'],
  ])('shows %s as the scaffold writes it', (path, language) => {
    expect(readme).toContain(`\`\`\`${language}\n${files[path]}\`\`\``);
  });
});
