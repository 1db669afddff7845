import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CameraDriver, isCameraDriver } from '@cam/core';

/** The driver could not be loaded; the message says why and lists the installed drivers. */
export class DriverLoadError extends Error {
  override readonly name = 'DriverLoadError';
}

const OUR_SCOPE = '@cam/driver-';

/** True when `CAMERA` names a file or directory (`./x.js`, `../x.js`, `/abs/x.js`, `file:…`), not a package. */
export function isDriverPath(spec: string): boolean {
  return /^(\.{1,2}\/|\/|file:)/.test(spec);
}

/**
 * Loads a driver as the user named it: `emulated` means `@cam/driver-emulated`; a path (see
 * {@link isDriverPath}) is a driver file or package directory, relative to `cwd`; anything else is a
 * package name (for third-party drivers). The module must export `driver`.
 */
export async function loadDriver(spec: string, cwd = process.cwd()): Promise<CameraDriver> {
  if (isDriverPath(spec)) return loadDriverFile(spec, cwd);
  const candidates = spec.startsWith('@') || spec.includes('/') ? [spec] : [OUR_SCOPE + spec, spec];
  for (const specifier of candidates) {
    let module: Record<string, unknown>;
    try {
      module = await import(specifier);
    } catch (error) {
      if (isNotFound(error, specifier)) continue;
      throw failedToLoad(`driver "${spec}" (${specifier})`, error);
    }
    return driverOf(module, `package ${specifier}`);
  }
  const installed = installedDrivers();
  throw new DriverLoadError(
    `unknown camera driver "${spec}": no package ${candidates.join(' or ')} is installed. ` +
      `Installed drivers: ${installed.length ? installed.join(', ') : 'none'}`,
  );
}

/** Imports a driver from a file, or from a package directory through its package.json entry point. */
async function loadDriverFile(spec: string, cwd: string): Promise<CameraDriver> {
  const path = spec.startsWith('file:') ? pathOfFileUrl(spec) : resolve(cwd, spec);
  if (!existsSync(path)) {
    throw new DriverLoadError(`driver file ${path} does not exist (from "${spec}" in ${cwd})`);
  }
  const file = statSync(path).isDirectory() ? packageEntry(path) : path;
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw failedToLoad(`driver file ${file}`, error);
  }
  return driverOf(module, `file ${file}`);
}

function pathOfFileUrl(spec: string): string {
  try {
    return fileURLToPath(spec);
  } catch (error) {
    throw new DriverLoadError(`"${spec}" is not a file: URL of an absolute path (file:///…)`, {
      cause: error,
    });
  }
}

/** The file a package directory's package.json points at (`exports["."]`, then `main`), else index.js. */
function packageEntry(dir: string): string {
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) return join(dir, 'index.js');
  let manifest: { exports?: unknown; main?: unknown };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw failedToLoad(`driver package ${dir}`, error);
  }
  const root = exportsRoot(manifest.exports);
  const entry =
    typeof root === 'string' ? root : typeof manifest.main === 'string' ? manifest.main : 'index.js';
  return resolve(dir, entry);
}

/** `exports` as a string, `{ ".": … }` or conditions `{ import, default }`: the ESM entry it names. */
function exportsRoot(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  if ('.' in map) return exportsRoot(map['.']);
  return exportsRoot(map.import ?? map.node ?? map.default);
}

function driverOf(module: Record<string, unknown>, what: string): CameraDriver {
  if (!isCameraDriver(module.driver)) {
    throw new DriverLoadError(`${what} is not a cam driver: it does not export a "driver"`);
  }
  return module.driver;
}

function failedToLoad(what: string, error: unknown): DriverLoadError {
  return new DriverLoadError(`${what} failed to load: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}

/** The `@cam/driver-*` packages that Node can find from this package, by short name. */
export function installedDrivers(): string[] {
  const found = new Set<string>();
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      for (const entry of readdirSync(join(dir, 'node_modules', '@cam'))) {
        if (entry.startsWith('driver-')) found.add(entry.slice('driver-'.length));
      }
    } catch {
      // no node_modules/@cam here
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return [...found].sort();
}

function isNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: string })?.code;
  // Only the package itself missing counts; a missing dependency of the driver is a real failure to report.
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(`'${specifier}'`)
  );
}
