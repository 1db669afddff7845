// Every error is JSON and private: a malformed URL is a 400 BAD_REQUEST on every route, no response
// carries a stack or a path (with NODE_ENV unset, express's development mode), client errors are logged
// as one line without a stack and at most a few lines a minute, and a driver's error reaches clients
// without the machine's paths.
import { Agent, type IncomingMessage, request } from 'node:http';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { createClientErrorLog } from '../src/json-errors.js';
import { cameraStateOf, getJson, startServer, startTwoCameras } from './helpers.js';
import { rawGet } from './raw-http.js';

/** A body that gives nothing of the server away: no stack frame, no file path. */
function expectPrivate(text: string): void {
  expect(text).not.toMatch(/\bat \S+ \(|node_modules|\/work\/|\/home\/|\/tmp\/|\.js:\d+/);
}

describe('malformed URLs', () => {
  test.each([
    '/cameras/%ff/stream',
    '/cameras/%ff/snapshot.jpg',
    '/cameras/%E0%A4%A/stream',
    '/api/cameras/%E0%A4%A',
    '/api/cameras/%ff',
  ])('GET %s is a 400 BAD_REQUEST in JSON, without stack or path', async (path) => {
    const { port, proc } = await startServer({ NODE_ENV: undefined });
    const res = await rawGet(port, path, 'localhost');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.body);
    expect(body).toEqual({
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/URL is not valid/) },
    });
    expectPrivate(res.body);
    const logged = await proc.waitForLog({ code: 'BAD_REQUEST' });
    expect(logged.level).toBe(40);
    expect(JSON.stringify(logged)).not.toMatch(/stack|\bat \S+ \(/);
    expect(proc.stderr).toBe('');
  });

  test('1000 malformed requests write at most a few log lines, and the server goes on serving', {
    timeout: 60_000,
  }, async () => {
    const { port, proc, url } = await startServer();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode!));
        });
        req.once('error', reject);
        req.end();
      });
    const paths = Array.from({ length: 1000 }, (_, i) =>
      i % 2 ? `/cameras/%ff${i}/stream` : `/api/cameras/x${i}%E0%A4%A`,
    );
    for (let i = 0; i < paths.length; i += 50) {
      const statuses = await Promise.all(paths.slice(i, i + 50).map(get));
      expect(new Set(statuses)).toEqual(new Set([400]));
    }
    agent.destroy();
    expect((await getJson(`${url}/healthz`)).body).toEqual({ status: 'ok' });
    const lines = proc.find((line) => line.code === 'BAD_REQUEST');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(proc.stdout).not.toMatch(/"stack"/);
    expect(proc.stderr).toBe('');
  });

  test('a well-formed %-escape still reaches its route: an unknown camera is a 404 naming it', async () => {
    const { port } = await startServer();
    const res = await rawGet(port, '/cameras/b%C3%A4ck/stream', 'localhost');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'UNKNOWN_CAMERA', message: 'no camera "bäck" (cameras: emulated)' },
    });
  });
});

describe("a driver's error as clients see it", () => {
  test('the 503, the offline frame and /api/cameras show the file name, not its directory', {
    timeout: 15_000,
  }, async () => {
    const { url, backFrames } = await startTwoCameras();
    const directory = backFrames[0]!.slice(0, backFrames[0]!.lastIndexOf('/'));
    const { rmSync } = await import('node:fs');
    for (const file of backFrames) rmSync(file);

    const snapshot = await getJson(`${url}/cameras/back/snapshot.jpg`);
    expect(snapshot.status).toBe(503);
    expect(snapshot.body.error.message).toMatch(/cannot read frame file \.\.\.\/[^/]+\.jpg/);
    expect(snapshot.body.error.message).not.toContain(directory);

    const state = await cameraStateOf(url, 'back');
    expect(state.lastError!.message).toMatch(/cannot read frame file \.\.\.\/[^/]+\.jpg/);
    expect(JSON.stringify(state)).not.toContain(directory);
  });
});

describe('the client-error log', () => {
  test('at most 5 lines a minute; the first line of the next minute says how many were left out', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let now = 1_000_000;
    const log = createClientErrorLog(logger, () => now);
    const req = { method: 'GET', url: '/cameras/%ff/stream', socket: { remoteAddress: '10.0.0.9' } };
    for (let i = 0; i < 1000; i++) log(req as IncomingMessage, 'BAD_REQUEST', 'the URL is not valid');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({
      level: 40,
      code: 'BAD_REQUEST',
      method: 'GET',
      url: '/cameras/%ff/stream',
      address: '10.0.0.9',
      msg: 'bad request: the URL is not valid',
    });
    expect(lines.some((line) => 'suppressed' in line || 'stack' in line || 'err' in line)).toBe(false);

    now += 60_000;
    log(req as IncomingMessage, 'UNKNOWN_HOST', 'this server does not answer to the name "x"');
    expect(lines).toHaveLength(6);
    expect(lines[5]).toMatchObject({ code: 'UNKNOWN_HOST', suppressed: 995 });
    log(req as IncomingMessage, 'BAD_REQUEST', 'again');
    expect(lines[6]).not.toHaveProperty('suppressed');
  });
});
