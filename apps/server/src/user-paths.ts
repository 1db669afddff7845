import { isAbsolute, resolve } from 'node:path';

/**
 * The directory the user ran the command from. pnpm and npm run scripts in the package's directory
 * (`pnpm --filter server start` runs in apps/server) and say where the user stood in INIT_CWD.
 */
export function userDirectory(env: NodeJS.ProcessEnv): string {
  return env.INIT_CWD?.trim() || process.cwd();
}

/** A path from an environment variable or a command-line argument, made absolute as the user meant it. */
export function resolveUserPath(path: string, env: NodeJS.ProcessEnv): string {
  return resolve(userDirectory(env), path);
}

/**
 * A driver option is taken as a path when it is a string that starts with `./` or `../` (or is `.` or
 * `..`): such a value inside a config file is relative to the file. Anything else is left to the driver
 * (a device index, a URL, a pipeline, an absolute path, or a bare name relative to the working directory).
 */
export function isRelativePathOption(value: unknown): value is string {
  return typeof value === 'string' && !isAbsolute(value) && /^\.\.?([/\\]|$)/.test(value);
}

/** Options with every relative-path value (alone or in a list) resolved against `baseDir`. */
export function resolveOptionPaths(
  options: Record<string, unknown>,
  baseDir: string,
): Record<string, unknown> {
  const resolveValue = (value: unknown) => (isRelativePathOption(value) ? resolve(baseDir, value) : value);
  return Object.fromEntries(
    Object.entries(options).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(resolveValue) : resolveValue(value),
    ]),
  );
}
