// @ts-check
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driverFiles } from './templates.mjs';

/** This repo's root, found from this file: packages/new-driver/src. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A driver's name: what `CAMERA=<name>` and the camera id accept (letters, digits, "-", "_"). */
const DRIVER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * @typedef {object} ScaffoldOptions
 * @property {string} name the driver's name
 * @property {string} [out] where to write the package; default: packages/driver-<name> in this repo
 * @property {string} [core] the `@cam/core` dependency of a package outside the workspace; default the
 *   version range of this repo's core (use `file:<tarball>` before @cam/core is on the registry)
 */

/**
 * Writes a new driver package and returns where, and whether it is part of this repo's workspace
 * (inside packages/: it then depends on `workspace:^` and shares the repo's tsconfig and vitest config).
 * Refuses a bad name or a directory that is not empty, with a message that says so.
 * @param {ScaffoldOptions} options
 */
export function scaffold(options) {
  const { name } = options;
  if (!DRIVER_NAME.test(name)) {
    throw new Error(
      `invalid driver name ${JSON.stringify(name)}: lower-case letters, digits, "-" and "_", starting with a letter`,
    );
  }
  const dir = resolve(options.out ?? join(REPO_ROOT, 'packages', `driver-${name}`));
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} exists and is not empty: choose another --out`);
  }
  const workspace = dirname(dir) === resolve(REPO_ROOT, 'packages');
  const coreVersion = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/core/package.json'), 'utf8')).version;
  const files = driverFiles({
    name,
    packageName: workspace ? `@cam/driver-${name}` : `cam-driver-${name}`,
    workspace,
    coreSpec: workspace ? 'workspace:^' : (options.core ?? `^${coreVersion}`),
    coreRange: workspace ? 'workspace:^' : `^${coreVersion}`,
  });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, workspace, files: Object.keys(files), relative: relative(REPO_ROOT, dir) };
}
