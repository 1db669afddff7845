#!/usr/bin/env node
// @ts-check
// pnpm new-driver <name> [--out DIR] [--core SPEC]: writes a driver package that streams, passes lint,
// typecheck and @cam/core's conformance suite as generated.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { scaffold } from './scaffold.mjs';

const USAGE = 'usage: pnpm new-driver <name> [--out DIR] [--core SPEC]';

// `pnpm new-driver` runs in the repo's root; a relative --out means the directory the user was in.
const cwd = process.env.INIT_CWD ?? process.cwd();

try {
  const { values, positionals } = parseArgs({
    options: { out: { type: 'string' }, core: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1) throw new Error(`expected one driver name\n${USAGE}`);
  const result = scaffold({
    name: positionals[0] ?? '',
    ...(values.out === undefined ? {} : { out: resolve(cwd, values.out) }),
    ...(values.core === undefined ? {} : { core: values.core }),
  });
  console.log(`wrote ${result.files.length} files to ${result.dir}`);
  console.log(
    result.workspace
      ? `next: pnpm install && pnpm --filter @cam/driver-${positionals[0]} test`
      : `next: cd ${result.dir} && pnpm install && pnpm build && pnpm test\n` +
          '(before @cam/core is on the registry: pnpm --filter @cam/core pack, then --core file:<the .tgz>)',
  );
  console.log(`then: CAMERA=${result.dir} CAMERA_PATH=<a JPEG file> pnpm --filter @cam/server start`);
} catch (error) {
  console.error(`new-driver: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
