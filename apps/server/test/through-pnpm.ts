// Runs the server as users do: `pnpm start` / `pnpm --filter server start` from a directory inside the
// workspace, in a process group of its own so that a test can press "Ctrl-C" (SIGINT to the group).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A fresh directory inside the repository (ignored by git: `.cli-test-*`), removed after the test. */
export function workspaceTempDir(): string {
  const dir = mkdtempSync(join(REPO_ROOT, '.cli-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface PnpmRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** The exit code, or the signal's name if a signal ended pnpm. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

/**
 * `pnpm <args>` in `cwd` with a clean environment (nothing inherited from the test runner's own pnpm,
 * such as INIT_CWD) plus `env`. Killed with its whole process group after the test.
 */
export function runPnpm(args: readonly string[], cwd: string, env: Record<string, string> = {}): PnpmRun {
  const child = spawn('pnpm', args, {
    cwd,
    detached: true, // its own process group, as a shell gives a foreground job
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TURBO_TELEMETRY_DISABLED: '1', ...env },
  });
  const run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise<number | NodeJS.Signals>((resolve) =>
      child.once('close', (code, signal) => resolve(code ?? signal!)),
    ),
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    run.stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    run.stderr += chunk;
  });
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGKILL');
      await run.exited;
    }
  });
  return run;
}

/** Ctrl-C in a terminal: SIGINT to every process of the foreground group. */
export function pressCtrlC(run: PnpmRun): void {
  process.kill(-run.child.pid!, 'SIGINT');
}

/** The JSON log lines on stdout (pnpm's own lines, if any, are not JSON and are left out). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
