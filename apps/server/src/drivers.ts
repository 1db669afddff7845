import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CameraDriver, isCameraDriver } from '@cam/core';

/** The driver could not be loaded; the message says why and lists the installed drivers. */
export class DriverLoadError extends Error {
  override readonly name = 'DriverLoadError';
}

const OUR_SCOPE = '@cam/driver-';

/**
 * Loads a driver by the name the user gave: `emulated` means `@cam/driver-emulated`; anything that is
 * not one of ours is taken as a package name (for third-party drivers). The package must export `driver`.
 */
export async function loadDriver(name: string): Promise<CameraDriver> {
  const candidates = name.startsWith('@') || name.includes('/') ? [name] : [OUR_SCOPE + name, name];
  for (const specifier of candidates) {
    let module: Record<string, unknown>;
    try {
      module = await import(specifier);
    } catch (error) {
      if (isNotFound(error, specifier)) continue;
      throw new DriverLoadError(
        `driver "${name}" (${specifier}) failed to load: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (!isCameraDriver(module.driver)) {
      throw new DriverLoadError(`package ${specifier} is not a cam driver: it does not export a "driver"`);
    }
    return module.driver;
  }
  const installed = installedDrivers();
  throw new DriverLoadError(
    `unknown camera driver "${name}": no package ${candidates.join(' or ')} is installed. ` +
      `Installed drivers: ${installed.length ? installed.join(', ') : 'none'}`,
  );
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
