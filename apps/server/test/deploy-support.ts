import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { get as getTls } from 'node:https';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MjpegParser } from '@cam/http-mjpeg/client';
import { onTestFinished } from 'vitest';

// For the deployment tests (docs/deploy): cam servers as real processes, and stream viewers as raw
// HTTP clients. Kept apart from helpers.ts, which other work reshapes.

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface CamProcess {
  port: number;
  pid: number;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
}

/**
 * Starts `dist/main.js` with `env` on a free port (PORT=0) and resolves once it listens; the test's end
 * kills it. Rejects with its output when it exits first.
 */
export async function startCam(env: Record<string, string>): Promise<CamProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "pnpm turbo run build" first`);
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'close');
    }
  });
  const logs: Record<string, unknown>[] = [];
  let output = '';
  let pending = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (typeof entry.port === 'number' && /^listening on/.test(String(entry.msg))) {
            resolve({ port: entry.port, pid: child.pid!, logs });
          }
        } catch {}
      }
    });
    child.once('close', (code) => reject(new Error(`cam exited (${code}) before listening:\n${output}`)));
  });
}

/** A TCP port free on 127.0.0.1 now, for a program that takes a port rather than choosing one. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GETs JSON from a cam server. */
export async function getJson<T>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return (await response.json()) as T;
}

/** How many viewers the server's one camera has, from its state API. */
export async function viewerCount(port: number): Promise<number> {
  const { cameras } = await getJson<{ cameras: { viewers: unknown[] }[] }>(port, '/api/cameras');
  return cameras[0]!.viewers.length;
}

/** The tests' nginx has a self-signed certificate; and each viewer gets its own connection. */
const TLS_TEST_OPTIONS = { agent: false, rejectUnauthorized: false } as const;

/** A viewer watching a stream: the frames so far, and what ended its watch. */
export interface Watcher {
  readonly frames: Buffer[];
  /** Why the stream ended or could not be read, if it did. */
  error: Error | undefined;
  /** Leaves: closes the connection. */
  close(): void;
}

/**
 * Watches a Motion-JPEG stream as a viewer would, over its own connection, parsing it with
 * `@cam/http-mjpeg`'s strict parser, until `close()`.
 */
export function watch(url: string): Watcher {
  let left = false;
  const watcher: Watcher = {
    frames: [],
    error: undefined,
    close: () => {
      left = true;
      request.destroy();
    },
  };
  const fail = (error: Error) => {
    watcher.error ??= error;
    request.destroy();
  };
  const request = (url.startsWith('https:') ? getTls : get)(url, TLS_TEST_OPTIONS, (response) => {
    const boundary = /boundary=([^;]+)/.exec(response.headers['content-type'] ?? '')?.[1];
    if (response.statusCode !== 200 || !boundary) {
      fail(new Error(`${url} answered ${response.statusCode} ${response.headers['content-type']}`));
      return;
    }
    const parser = new MjpegParser(boundary);
    response.on('data', (chunk: Buffer) => {
      try {
        for (const part of parser.push(chunk)) watcher.frames.push(part.body);
      } catch (error) {
        fail(error as Error);
      }
    });
    // However the server ends the stream (a clean end, a reset), it is an error unless we left.
    response.once('close', () => {
      if (!left) fail(new Error(`${url} closed the stream after ${watcher.frames.length} frames`));
    });
    response.on('error', () => {});
  });
  request.on('error', (error) => {
    if (!request.destroyed) fail(error);
  });
  return watcher;
}

/**
 * True when `command` runs. Absent, a test skips with `hint`; with CAM_TEST_STRICT=1 (CI) it fails.
 */
export function haveTool(command: string, hint: string): boolean {
  const found = spawnSync(command, ['-v'], { stdio: 'ignore' }).error === undefined;
  if (!found && process.env.CAM_TEST_STRICT === '1') {
    throw new Error(`${command} is required (CAM_TEST_STRICT=1): ${hint}`);
  }
  if (!found) console.warn(`skipping: ${command} is not installed (${hint})`);
  return found;
}
