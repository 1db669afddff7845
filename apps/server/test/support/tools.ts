// External tools (ffmpeg, chromium…): skip with a note when missing, run them with a time bound.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { onCleanup } from './cleanup.js';
import type { Exit } from './server-process.js';

/**
 * Whether a test that needs `name` (a command on PATH, or an absolute path) can run. When it is missing,
 * the test is skipped with a note saying that `installHint` enables it, unless CAM_TEST_STRICT=1 (as on
 * CI, which installs it): then this throws, and the test fails instead.
 */
export function requireTool(
  name: string,
  installHint: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (findTool(name, env)) return true;
  const note = missingToolNote(name, installHint);
  if (env.CAM_TEST_STRICT === '1')
    throw new Error(`${note} (CAM_TEST_STRICT=1 turns this skip into a failure)`);
  console.warn(`skipped: ${note}`);
  return false;
}

/** The skip note for a missing tool. */
export function missingToolNote(name: string, installHint: string): string {
  return `${name} is not installed: \`${installHint}\` enables this test`;
}

function findTool(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface RunResult extends Exit {
  stdout: Buffer;
  stderr: string;
}

/** Runs a command to its end; kills it (SIGKILL) and rejects if it takes longer than `timeout`. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeout?: number } = {},
): Promise<RunResult> {
  const timeout = options.timeout ?? 15_000;
  // node kills the child after `timeout` ms; nothing else kills it while run() waits.
  const child = spawn(command, args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout,
    killSignal: 'SIGKILL',
  });
  onCleanup(() => child.kill('SIGKILL'));
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<RunResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (child.killed) reject(new Error(`${command} ${args.join(' ')} did not end within ${timeout} ms`));
      else resolve({ code, signal, stdout: Buffer.concat(stdout), stderr });
    });
  });
  return done;
}

/** Decodes a JPEG file with ffmpeg into raw RGB (proof that it is a whole, valid image). */
export function decodeWithFfmpeg(file: string) {
  return run('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-i',
    file,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
}
