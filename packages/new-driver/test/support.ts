// Runs commands and the real cam server for the scaffold's tests: child processes with a clean
// environment, their output kept for failure messages, and every one ended when its test finishes.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished, vi } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SERVER_MAIN = join(REPO_ROOT, 'apps/server/dist/main.js');

/** The environment without pnpm's and npm's own variables, so tools run as a user would run them. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      !/^(npm|pnpm)_/i.test(key) &&
      key !== 'NODE_OPTIONS' &&
      !key.startsWith('VITEST') &&
      key !== 'INIT_CWD'
    )
      env[key] = value;
  }
  return { ...env, ...extra };
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (no shell) and returns its exit code and output; rejects on a timeout. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; timeout: number; env?: NodeJS.ProcessEnv },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? cleanEnv(), timeout: options.timeout, maxBuffer: 32 << 20 },
      (error, stdout, stderr) => {
        if (error?.killed) reject(new Error(`${command} ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
        else resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a command that must succeed; its output is the failure message otherwise. */
export async function runOk(
  command: string,
  args: string[],
  options: { cwd: string; timeout: number; env?: NodeJS.ProcessEnv },
) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd}) exited ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
    );
  }
  return result;
}

/** True when `name` is an executable on PATH. */
export function hasTool(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface Server {
  url: string;
  child: ChildProcess;
}

/** Starts `node apps/server/dist/main.js` with `env` and waits for its "listening on" log line. */
export async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const port = await vi.waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the server exited ${child.exitCode}: ${stderr}`);
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg?.startsWith('listening on') && entry.port) return entry.port;
      }
      throw new Error(`not listening yet; stdout: ${stdout}; stderr: ${stderr}`);
    },
    { timeout: 15_000, interval: 50 },
  );
  return { url: `http://127.0.0.1:${port}`, child };
}
