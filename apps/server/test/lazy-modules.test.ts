// What the server loads on first use rather than at start (issue 12: its memory at 500 viewers): a server
// that only streams never loads express, prom-client, ws, pino-pretty or the offline frame's drawing
// libraries, nor yaml without a config file; each is loaded, and works, as soon as something asks for it. Checked in the real process
// (dist/main.js), whose loaded packages a probe lists on SIGUSR2.
import { fileURLToPath } from 'node:url';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import WebSocket from 'ws';
import { metricValue, openStream, scrapeMetrics } from './helpers.js';
import { ServerProcess, startServer } from './support/server-process.js';
import { writeTempFile } from './support/temp-files.js';

const PROBE = fileURLToPath(new URL('./fixtures/module-probe.mjs', import.meta.url));

/** Loaded on first use: none of these at the start of a server configured by its environment. */
const ON_FIRST_USE = [
  'express',
  'prom-client',
  'ws',
  'pino-pretty',
  'jpeg-js',
  'js-pixel-fonts',
  'yaml',
  'node:https', // TLS only
];

/** The packages `proc` has loaded so far, as its probe lists them. */
async function loadedPackages(proc: ServerProcess): Promise<string[]> {
  const from = proc.stderr.length;
  proc.child.kill('SIGUSR2');
  const line = await vi.waitFor(
    () => {
      const found = /packages (\[.*\])\n/.exec(proc.stderr.slice(from));
      if (!found) throw new Error(`no packages line on stderr: ${JSON.stringify(proc.stderr)}`);
      return found[1]!;
    },
    { timeout: 5000, interval: 20 },
  );
  return JSON.parse(line) as string[];
}

describe('packages loaded on first use', () => {
  test('a server that streams and serves snapshots has loaded none of them', async () => {
    const { proc, port, url } = await startServer({ NODE_OPTIONS: `--import ${PROBE}`, CAMERA_FPS: '10' });
    const stream = await openStream(port, '/video_feed');
    await stream.waitForParts(2);
    const snapshot = await fetch(`${url}/snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    await snapshot.arrayBuffer();
    stream.close();
    const loaded = await loadedPackages(proc);
    expect(loaded).toContain('pino'); // the probe sees what the server loads
    expect(loaded.filter((name) => ON_FIRST_USE.includes(name))).toEqual([]);
  });

  test('the first page, scrape and 404 load express and prom-client, and are answered in full', async () => {
    const { proc, url } = await startServer({ NODE_OPTIONS: `--import ${PROBE}`, CAMERA_FPS: '10' });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<html/i);
    const metrics = await scrapeMetrics(url);
    expect(metricValue(metrics, 'cam_driver_starts_total', 'emulated')).toBe(0);
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const loaded = await loadedPackages(proc);
    expect(loaded).toEqual(expect.arrayContaining(['express', 'prom-client']));
  });

  test('camera starts counted before the first scrape are in it', async () => {
    const { port, url } = await startServer({ CAMERA_FPS: '10' });
    const stream = await openStream(port, '/video_feed');
    await stream.waitForParts(1);
    stream.close();
    const metrics = await scrapeMetrics(url);
    expect(metricValue(metrics, 'cam_driver_starts_total', 'emulated')).toBe(1);
    expect(metricValue(metrics, 'cam_driver_errors_total', 'emulated')).toBe(0);
  });

  test('the first WebSocket upgrade loads ws, and the grid channel carries frames', async () => {
    const { proc, url } = await startServer({ NODE_OPTIONS: `--import ${PROBE}`, CAMERA_FPS: '10' });
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/frames`);
    onTestFinished(() => socket.terminate());
    const frame = new Promise<Buffer>((resolve, reject) => {
      socket.once('message', (data) => resolve(data as Buffer));
      socket.once('error', reject);
    });
    socket.once('open', () => socket.send(JSON.stringify({ watch: { emulated: 0 } })));
    const message = await frame;
    const idLength = message[0]!;
    expect(message.subarray(1, 1 + idLength).toString()).toBe('emulated');
    expect(message.subarray(1 + idLength, 3 + idLength)).toEqual(Buffer.from([0xff, 0xd8])); // a JPEG
    expect(await loadedPackages(proc)).toContain('ws');
  });

  test('a YAML config file loads yaml, and its camera is served', async () => {
    const path = writeTempFile('cam.yaml', 'cameras:\n  - id: yard\n    options:\n      fps: 10\n');
    const { proc, port } = await startServer({ NODE_OPTIONS: `--import ${PROBE}` }, ['--config', path]);
    const stream = await openStream(port, '/cameras/yard/stream');
    await stream.waitForParts(1);
    stream.close();
    expect(await loadedPackages(proc)).toContain('yaml');
  });

  test('LOG_FORMAT=pretty loads pino-pretty at start and logs readable lines', async () => {
    const proc = new ServerProcess({ NODE_OPTIONS: `--import ${PROBE}`, LOG_FORMAT: 'pretty' });
    const line = await proc.waitForLog((candidate) => candidate.msg.includes('listening on'), {
      timeout: 10_000,
    });
    expect(line.msg).toMatch(/INFO.*listening on/);
    expect(await loadedPackages(proc)).toContain('pino-pretty');
  });
});
