// A camera never leaves a viewer hanging, with a third-party driver that misbehaves as real devices do.
// The fixture (test/fixtures/faulty-driver) is installed outside the repo with its own copy of @cam/core
// from `pnpm pack`, and the real server loads it by path (CAMERA=<its entry>). For each way of hanging,
// a stream viewer gets the offline frame within the watchdog's timeout plus a margin, /api/cameras and
// the metrics show the failure, and once the fixture recovers a new viewer gets a fresh run's frames;
// SIGTERM ends the server with 0 within its bound, with a stalled viewer connected to a hung camera.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testJpegNumber } from '@cam/core/testing';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { SHUTDOWN_BOUND_MS } from '../src/server.js';
import {
  cameraStateOf,
  type MjpegStream,
  metricValue,
  onCleanup,
  openStream,
  scrapeMetrics,
  startServer,
} from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/faulty-driver/', import.meta.url));
const CORE = fileURLToPath(new URL('../../../packages/core/', import.meta.url));

/** The watchdog's timeouts in these tests (s), and what the machine may add to them when loaded (ms). */
const START_TIMEOUT = 1;
const STALL_TIMEOUT = 1;
const MARGIN_MS = 3000;
/** core's default `stopTimeout`: a run deaf to its abort signal is abandoned after it. */
const STOP_TIMEOUT_MS = 3000;

let installed: string;
let driverEntry: string;

// The fixture as a user installs a third-party driver: its own directory outside the repo, @cam/core
// from the registry's tarball format (here `pnpm pack` of the built core), installed by npm.
beforeAll(() => {
  installed = mkdtempSync(join(tmpdir(), 'cam-faulty-driver-'));
  execFileSync('pnpm', ['pack', '--pack-destination', installed], { cwd: CORE, stdio: 'pipe' });
  const project = join(installed, 'faulty-driver');
  cpSync(FIXTURE, project, { recursive: true });
  execFileSync(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      join(installed, 'cam-core-0.1.0.tgz'),
    ],
    { cwd: project, stdio: 'pipe' },
  );
  driverEntry = join(project, 'index.js');
}, 60_000);
afterAll(() => rmSync(installed, { recursive: true, force: true }));

/** Starts the server on the fixture in `mode`; write another mode to `modeFile` to change the next run. */
async function startFaulty(mode: string, options: Record<string, string> = {}) {
  const modeFile = join(installed, `mode-${Math.random().toString(36).slice(2)}`);
  writeFileSync(modeFile, mode);
  onCleanup(() => rmSync(modeFile, { force: true }));
  const server = await startServer({
    CAMERA: driverEntry,
    CAMERA_MODE_FILE: modeFile,
    CAMERA_FPS: '10',
    START_TIMEOUT: String(START_TIMEOUT),
    STALL_TIMEOUT: String(STALL_TIMEOUT),
    IDLE_TIMEOUT: '1',
    ...options,
  });
  return { ...server, modeFile };
}

/** Which run of the fixture a frame comes from (1, 2, ...), or undefined for a frame the server drew. */
function runOf(jpeg: Buffer): number | undefined {
  const number = testJpegNumber(jpeg);
  return number === undefined ? undefined : Math.floor(number / 1000);
}

/** Waits for a part that is not the fixture's: the offline frame. */
async function offlineFrameWithin(stream: MjpegStream, ms: number): Promise<void> {
  await vi.waitFor(() => expect(stream.parts.some((part) => runOf(part.body) === undefined)).toBe(true), {
    timeout: ms,
    interval: 50,
  });
}

const FAULTS = [
  { mode: 'hang-before-first-frame', frames: 0, timeout: START_TIMEOUT, abandons: false },
  { mode: 'hang-after-n', frames: 3, timeout: STALL_TIMEOUT, abandons: false },
  { mode: 'ignore-abort', frames: 3, timeout: STALL_TIMEOUT, abandons: true },
  { mode: 'finally-never-ends', frames: 3, timeout: STALL_TIMEOUT, abandons: true },
] as const;

describe('a driver that hangs', () => {
  test.each(FAULTS)(
    '$mode: the viewer gets the offline frame, the state shows TIMEOUT; after recovery a fresh run streams',
    {
      timeout: 60_000,
    },
    async ({ mode, frames, timeout, abandons }) => {
      const { port, url, modeFile } = await startFaulty(mode);
      const stream = await openStream(port, '/video_feed', timeout * 1000 + MARGIN_MS);
      expect(stream.response.statusCode).toBe(200);

      // The frames the fixture gave, then (no later than its timeout after the last one) the offline frame.
      await offlineFrameWithin(stream, frames * 100 + timeout * 1000 + MARGIN_MS);
      const beforeOffline = stream.parts.slice(
        0,
        stream.parts.findIndex((part) => runOf(part.body) === undefined),
      );
      expect(beforeOffline.map((part) => testJpegNumber(part.body))).toEqual(
        Array.from({ length: frames }, (_, index) => 1001 + index),
      );

      // Until the camera's retry starts a new run (which gives the fixture's frames again, then hangs), the
      // state and metrics say it is down, with no frame rate rather than the last one it had. Polled: on a
      // loaded machine the retry may already be running when the first scrape comes.
      await vi.waitFor(
        async () => {
          const state = await cameraStateOf(url, 'faulty');
          expect(state.lastError).toMatchObject({ code: 'TIMEOUT' });
          expect((state as unknown as { timeouts: number }).timeouts).toBeGreaterThanOrEqual(1);
          const metrics = await scrapeMetrics(url);
          expect(metricValue(metrics, 'cam_camera_timeouts_total', 'faulty')).toBeGreaterThanOrEqual(1);
          expect(metricValue(metrics, 'cam_camera_up', 'faulty')).toBe(0);
          expect(metricValue(metrics, 'cam_capture_fps', 'faulty')).toBe(0);
          expect(state.fps).toBe(0);
        },
        { timeout: 2 * (timeout * 1000 + MARGIN_MS), interval: 50 },
      );

      if (abandons) {
        // The run that does not end is abandoned after the stop timeout, counted in the state and metrics.
        await vi.waitFor(
          async () => {
            const abandoned = await scrapeMetrics(url);
            expect(
              metricValue(abandoned, 'cam_driver_abandoned_runs_total', 'faulty'),
            ).toBeGreaterThanOrEqual(1);
          },
          { timeout: STOP_TIMEOUT_MS + MARGIN_MS, interval: 100 },
        );
        const abandonedState = await cameraStateOf(url, 'faulty');
        expect((abandonedState as unknown as { abandonedRuns: number }).abandonedRuns).toBeGreaterThanOrEqual(
          1,
        );
      }

      // The fixture recovers; the viewer leaves and the camera goes idle.
      writeFileSync(modeFile, 'ok');
      const lastRun = Math.max(0, ...stream.parts.map((part) => runOf(part.body) ?? 0));
      stream.close();
      await vi.waitFor(
        async () => {
          const idle = await cameraStateOf(url, 'faulty');
          expect(idle.viewers).toEqual([]);
          expect(['idle', 'error']).toContain(idle.status);
        },
        { timeout: STOP_TIMEOUT_MS + MARGIN_MS, interval: 100 },
      );

      // A new viewer: frames from a fresh run, one after the other.
      const again = await openStream(port, '/video_feed', START_TIMEOUT * 1000 + MARGIN_MS);
      expect(again.response.statusCode).toBe(200);
      await vi.waitFor(
        () =>
          expect(again.parts.filter((part) => runOf(part.body) !== undefined).length).toBeGreaterThanOrEqual(
            5,
          ),
        { timeout: 10_000, interval: 50 },
      );
      const fresh = again.parts.map((part) => testJpegNumber(part.body)).filter((n) => n !== undefined);
      const run = Math.floor(fresh[0]! / 1000);
      expect(run).toBeGreaterThan(lastRun);
      expect(fresh.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((n) => run * 1000 + n));
      const running = await cameraStateOf(url, 'faulty');
      expect(running.status).toBe('running');
    },
  );
});

describe('shutdown with a hung camera', () => {
  test('SIGTERM exits 0 within the bound, with a driver deaf to abort and a viewer that stopped reading', {
    timeout: 60_000,
  }, async () => {
    // Frames of 1 MB: a client that does not read fills its socket's buffers within a few frames.
    const { proc, port, url } = await startFaulty('ignore-abort', {
      CAMERA_HANG_AFTER: '20',
      CAMERA_FRAME_BYTES: '1000000',
    });
    const stalled = connect(port, '127.0.0.1');
    onCleanup(() => stalled.destroy());
    stalled.on('error', () => {});
    await new Promise((resolve) => stalled.once('connect', resolve));
    stalled.write('GET /video_feed HTTP/1.1\r\nHost: localhost\r\n\r\n');
    stalled.pause();
    const reading = await openStream(port);
    await vi.waitFor(
      async () => {
        const state = await cameraStateOf(url, 'faulty');
        expect(state.viewers.some((viewer) => (viewer as { stalled?: boolean }).stalled)).toBe(true);
      },
      { timeout: 10_000, interval: 100 },
    );
    // Then the driver hangs, deaf to its abort signal.
    await offlineFrameWithin(reading, 2000 + STALL_TIMEOUT * 1000 + MARGIN_MS);

    proc.child.kill('SIGTERM');
    const exit = await proc.waitForExit(SHUTDOWN_BOUND_MS + MARGIN_MS, 'exit after SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(proc.logs.map((line) => line.msg).at(-1)).toBe('stopped');
    // The reading viewer's stream was ended by the server, not cut.
    expect(await reading.waitForEnd(1000)).toEqual({ complete: true });
  });
});
