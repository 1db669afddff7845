// Shared by this package's tests: the fake rpicam-vid (test/fixtures), its frames, and control of it
// through the environment that the driver's child process inherits.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** Holds the fake `rpicam-vid`. */
export const FAKE_BIN = join(FIXTURES, 'bin');
/** Holds only a fake `libcamera-vid`, the tool's older name. */
export const LEGACY_BIN = join(FIXTURES, 'legacy-bin');

const FRAMES_DIR = join(FIXTURES, 'frames');
export const FRAME_NAMES: readonly string[] = readdirSync(FRAMES_DIR)
  .filter((name) => name.endsWith('.jpg'))
  .sort();
/** The frames the fake writes, in its order (it loops over them). */
export const FRAMES: readonly Buffer[] = FRAME_NAMES.map((name) => readFileSync(join(FRAMES_DIR, name)));

/** Which fixture frame (0-based) `data` is, byte for byte; -1 for none. */
export function frameIndex(data: Buffer): number {
  return FRAMES.findIndex((frame) => frame.equals(data));
}

export interface FakeOptions {
  /** FAKE_RPICAM_MODE: see test/fixtures/fake-rpicam.mjs. */
  mode?: string;
  /** The directories on PATH before node's own; default: the one with the fake rpicam-vid. */
  path?: readonly string[];
}

export interface Fake {
  /** Every run's `{ command, args }`, in order. */
  runs(): { command: string; args: string[] }[];
  /** Every run's LIBCAMERA_LOG_* environment variables, in order. */
  envs(): Record<string, string | undefined>[];
  /** Every run's process id, in order. */
  pids(): number[];
  /** What the fake recorded: start, SIGINT, SIGTERM, EPIPE, camera timeout, exit <code>. */
  events(): string[];
}

/**
 * Sets up the environment the driver's child inherits for the rest of the test: PATH holds `path` and
 * node's directory (the fake runs on node), so no real rpicam-vid is ever found; the fake records its
 * runs to files. Everything is restored when the test finishes.
 */
export function useFake(options: FakeOptions = {}): Fake {
  const dir = mkdtempSync(join(tmpdir(), 'cam-pi-test-'));
  const files = {
    args: join(dir, 'args'),
    env: join(dir, 'env'),
    pids: join(dir, 'pids'),
    events: join(dir, 'events'),
  };
  const variables: Record<string, string | undefined> = {
    PATH: [...(options.path ?? [FAKE_BIN]), dirname(process.execPath)].join(delimiter),
    FAKE_RPICAM_MODE: options.mode,
    FAKE_RPICAM_ARGS_FILE: files.args,
    FAKE_RPICAM_ENV_FILE: files.env,
    FAKE_RPICAM_PID_FILE: files.pids,
    FAKE_RPICAM_EVENTS_FILE: files.events,
  };
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  setEnv(variables);
  onTestFinished(() => {
    setEnv(saved);
    rmSync(dir, { recursive: true, force: true });
  });
  const lines = (file: string) =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return {
    runs: () => lines(files.args).map((line) => JSON.parse(line) as { command: string; args: string[] }),
    envs: () => lines(files.env).map((line) => JSON.parse(line) as Record<string, string | undefined>),
    pids: () => lines(files.pids).map(Number),
    events: () => lines(files.events),
  };
}

function setEnv(variables: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** True while a process with this id runs (a zombie counts as gone). */
export { isProcessAlive as isAlive } from '@cam/core/testing';

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
