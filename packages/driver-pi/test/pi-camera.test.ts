// The driver against the fake rpicam-vid (test/fixtures), run as a real child process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CameraError, type CameraOptions } from '@cam/core';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { checkPiAvailable, FIXED_ARGS, PiCamera, type PiCameraOptions } from '../src/index.js';
import {
  FAKE_BIN,
  FRAME_NAMES,
  FRAMES,
  frameIndex,
  isAlive,
  LEGACY_BIN,
  rejection,
  useFake,
} from './support.js';

/** A camera that is closed when the test finishes, whatever happens. */
function piCamera(options: PiCameraOptions = {}, camera: CameraOptions = {}): PiCamera {
  const instance = new PiCamera({ framerate: 50, signalTimeout: 1000, ...options }, camera);
  onTestFinished(() => instance.close());
  return instance;
}

async function nextFrames(camera: PiCamera, count: number): Promise<Buffer[]> {
  const viewer = camera.subscribe();
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) frames.push((await viewer.next()).data);
  viewer.close();
  return frames;
}

/**
 * The signals sent from now on to process `pid` or its group (the driver signals the group), in order;
 * the list fills as they are sent. The signals still reach the process.
 */
function signalsSentTo(pid: number): string[] {
  const sent: string[] = [];
  const kill = vi.spyOn(process, 'kill');
  onTestFinished(() => kill.mockRestore());
  kill.mockImplementation((target, signal) => {
    if (Math.abs(target) === pid && signal !== 0) sent.push(String(signal));
    return realKill(target, signal);
  });
  return sent;
}
const realKill = process.kill.bind(process); // taken before any spy replaces it

/** signalTimeout in the escalation tests: each stop signal waits this long (ms). */
const STEP = 500;

/** An empty directory, to put on PATH where no tool is; removed when the test finishes. */
const emptyDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cam-pi-empty-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

describe('PiCamera streaming', () => {
  test('delivers the frames rpicam-vid writes byte for byte, in order, whatever the chunking', async () => {
    useFake();
    const camera = piCamera();
    const published: Buffer[] = []; // every frame the driver yields, whether a viewer is fast enough or not
    camera.on('frame', (frame) => published.push(frame.data));
    const viewer = camera.subscribe();
    await viewer.next();
    await vi.waitFor(() => expect(published.length).toBeGreaterThanOrEqual(3 * FRAMES.length), 10_000);
    viewer.close();
    const indexes = published.map(frameIndex);
    expect(indexes).not.toContain(-1);
    expect(indexes).toEqual(indexes.map((_, i) => i % FRAMES.length)); // from the first, none lost
    // Among them the frames with EXIF thumbnails, which a search for FF D9 would have cut.
    expect(FRAME_NAMES.filter((name) => name.includes('exif'))).toHaveLength(2);
  });

  test('runs rpicam-vid with the fixed arguments and the options', async () => {
    const fake = useFake();
    const camera = piCamera({
      width: 1280,
      height: 720,
      framerate: 25,
      quality: 80,
      rotation: 180,
      hflip: true,
      vflip: false,
      ev: -0.5,
      awb: 'daylight',
    });
    await nextFrames(camera, 1);
    expect(fake.runs()).toEqual([
      {
        command: 'rpicam-vid',
        args: [
          ...FIXED_ARGS,
          '--width=1280',
          '--height=720',
          '--framerate=25',
          '--quality=80',
          '--rotation=180',
          '--hflip',
          '--awb=daylight',
          '--ev=-0.5',
        ],
      },
    ]);
  });

  test('falls back to libcamera-vid where rpicam-vid is not on PATH', async () => {
    const fake = useFake({ path: [LEGACY_BIN] });
    const camera = piCamera();
    expect(frameIndex((await nextFrames(camera, 1))[0]!)).toBeGreaterThanOrEqual(0);
    expect(fake.runs().map((run) => run.command)).toEqual(['libcamera-vid']);
  });

  test('runs the program named by the command option', async () => {
    const fake = useFake({ path: [emptyDir()] });
    const camera = piCamera({ command: join(LEGACY_BIN, 'libcamera-vid') });
    await nextFrames(camera, 1);
    expect(fake.runs().map((run) => run.command)).toEqual(['libcamera-vid']);
  });

  test('a viewer leaving does not stop the camera while another watches', async () => {
    const fake = useFake();
    const camera = piCamera();
    const [a, b] = [camera.subscribe('a'), camera.subscribe('b')];
    await Promise.all([a.next(), b.next()]);
    const pid = camera.pid!;
    a.close();
    for (let i = 0; i < 5; i++) expect(frameIndex((await b.next()).data)).toBeGreaterThanOrEqual(0);
    expect(camera.state.status).toBe('running');
    expect(camera.pid).toBe(pid);
    expect(fake.pids()).toEqual([pid]);
    expect(fake.events()).toEqual(['start']);
    expect(isAlive(pid)).toBe(true);
  });
});

describe('PiCamera stopping', () => {
  test('stop() ends rpicam-vid by SIGINT and leaves no process; the next viewer starts a new one', async () => {
    const fake = useFake();
    const camera = piCamera();
    await nextFrames(camera, 1);
    const pid = camera.pid!;
    await camera.stop();
    expect(isAlive(pid)).toBe(false);
    expect(camera.pid).toBeUndefined();
    expect(fake.events()).toEqual(['start', 'SIGINT', 'exit 0']);

    await nextFrames(camera, 1);
    const second = camera.pid!;
    expect(second).not.toBe(pid);
    await camera.close();
    expect(isAlive(second)).toBe(false);
    expect(fake.pids()).toEqual([pid, second]);
  });

  test('an idle stop ends rpicam-vid', async () => {
    const fake = useFake();
    const camera = piCamera({}, { idleTimeout: 200 });
    const stopped = new Promise((resolve) => camera.once('stop', resolve));
    await nextFrames(camera, 1);
    const pid = camera.pid!;
    expect(await stopped).toBe('idle');
    expect(isAlive(pid)).toBe(false);
    expect(fake.events()).toEqual(['start', 'SIGINT', 'exit 0']);
  });

  test('when SIGINT is ignored, SIGTERM follows after signalTimeout', async () => {
    const fake = useFake({ mode: 'ignore-sigint' });
    const camera = piCamera({ signalTimeout: STEP });
    await nextFrames(camera, 1);
    const pid = camera.pid!;
    const sent = signalsSentTo(pid);
    const start = performance.now();
    await camera.close();
    const took = performance.now() - start;
    expect(isAlive(pid)).toBe(false);
    expect(fake.events()).toEqual(['start', 'SIGINT', 'SIGTERM']); // died of SIGTERM, no clean exit
    expect(took).toBeGreaterThanOrEqual(STEP - 10); // SIGINT had its whole signalTimeout
    expect(sent).toEqual(['SIGINT', 'SIGTERM']); // SIGTERM ended it: no SIGKILL was needed
  });

  test('when SIGINT and SIGTERM are ignored, SIGKILL follows after another signalTimeout', async () => {
    const fake = useFake({ mode: 'ignore-sigint,ignore-sigterm' });
    const camera = piCamera({ signalTimeout: STEP });
    await nextFrames(camera, 1);
    const pid = camera.pid!;
    const sent = signalsSentTo(pid);
    const start = performance.now();
    await camera.close();
    const took = performance.now() - start;
    expect(isAlive(pid)).toBe(false);
    expect(fake.events()).toEqual(['start', 'SIGINT', 'SIGTERM']);
    expect(took).toBeGreaterThanOrEqual(2 * STEP - 10); // SIGINT and SIGTERM each had their signalTimeout
    expect(sent).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']); // and SIGKILL ended it
  });
});

describe('PiCamera failures', () => {
  test('"no cameras available" (exit 255) fails with DEVICE_NOT_FOUND, quoting the tool', async () => {
    const fake = useFake({ mode: 'no-camera' });
    const camera = piCamera();
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(error).toBeInstanceOf(CameraError);
    expect(error.code).toBe('DEVICE_NOT_FOUND');
    expect(error.message).toBe(
      '[cam] [pi] no camera found: rpicam-vid exited with code 255 saying "ERROR: *** no cameras available ***". ' +
        "Check the camera's ribbon cable and that `rpicam-hello --list-cameras` lists it",
    );
    // The whole stderr (its last 4 KiB) is in the cause, for the log.
    expect(String((error.cause as Error).message)).toMatch(
      /libcamera v0\.3\.2\+fake[\s\S]*no cameras available/,
    );
    expect(camera.state.status).toBe('error');
    expect(camera.state.lastError?.code).toBe('DEVICE_NOT_FOUND');
    expect(isAlive(fake.pids()[0]!)).toBe(false);
  });

  test('a camera held by another program fails with DEVICE_NOT_FOUND, saying it is busy', async () => {
    useFake({ mode: 'busy' });
    const camera = piCamera();
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(error.code).toBe('DEVICE_NOT_FOUND');
    expect(error.detail).toBe(
      'the camera is busy (is another program using it?): ' +
        'ERROR: *** failed to acquire camera /base/axi/pcie@120000/rp1/i2c@88000/imx708@1a ***',
    );
  });

  test('keeps only the last 4 KiB of what the tool writes to stderr', async () => {
    useFake({ mode: 'chatty,no-camera' });
    const camera = piCamera();
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(error.code).toBe('DEVICE_NOT_FOUND');
    const stderr = (error.cause as Error).message.split('\n').slice(1).join('\n');
    expect(Buffer.byteLength(stderr)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(stderr)).toBeGreaterThan(3000);
    expect(stderr).toMatch(/number 199, to fill the log\nERROR: \*\*\* no cameras available \*\*\*$/);
  });

  test('a camera timeout (rpicam-vid restarts the camera and sends nothing) fails by the stall watchdog, which retries', async () => {
    const fake = useFake({ mode: 'die-after:3' });
    // slow enough for a viewer to see each frame
    const camera = piCamera({ framerate: 10 }, { stallTimeout: 1500, retryInitialDelay: 100 });
    const viewer = camera.subscribe();
    const frames = [await viewer.next(), await viewer.next(), await viewer.next()];
    expect(frames.map((frame) => frameIndex(frame.data))).toEqual([0, 1, 2]);
    const error = (await rejection(viewer.next())) as CameraError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toBe(
      'no frame for 1.5 s; rpicam-vid last said: ERROR: Device timeout detected, attempting a restart!!!',
    );
    expect(camera.state).toMatchObject({ status: 'error', failures: 1, timeouts: 1 });
    // The tool kept running through its own restarts until the driver stopped it.
    await vi.waitFor(
      () => expect(isAlive(fake.pids()[0]!), 'the stalled rpicam-vid is alive').toBe(false),
      5000,
    );
    const events = fake.events();
    expect(events.slice(0, 2)).toEqual(['start', 'camera timeout']);
    expect(events.slice(-2)).toEqual(['SIGINT', 'exit 0']);

    // Asking again retries after the backoff, with a new process.
    expect(frameIndex((await viewer.next()).data)).toBe(0);
    expect(fake.pids()).toHaveLength(2);
    viewer.close();
  });

  test("no first frame within the camera's startTimeout fails with TIMEOUT and ends the silent process", async () => {
    const fake = useFake({ mode: 'silent' });
    // long enough for the fake (a Node script) to start and print its banner on a loaded machine
    const camera = piCamera({}, { startTimeout: 3000 });
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatch(
      /^no first frame within 3 s; rpicam-vid last said: .* INFO RPI pisp\.cpp:695 libpisp version/,
    );
    await vi.waitFor(
      () => expect(isAlive(fake.pids()[0]!), 'the silent rpicam-vid is alive').toBe(false),
      5000,
    );
    expect(fake.events()).toEqual(['start', 'SIGINT', 'exit 0']);
  });

  test('asks libcamera for plain log lines, and strips the colours of one that colours them anyway', async () => {
    const fake = useFake({ mode: 'colour,silent' });
    const camera = piCamera({}, { startTimeout: 3000 });
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(fake.envs()).toEqual([{ LIBCAMERA_LOG_NO_COLOR: '1', LIBCAMERA_LOG_COLOR: 'no' }]);
    expect(error.detail).toMatch(/rpicam-vid last said: .* INFO RPI pisp\.cpp:695 libpisp version/);
    const stderr = (error.cause as Error | undefined)?.message ?? '';
    expect(error.message + stderr).not.toContain('\x1b');
  });

  test('a --camera index the Pi does not have fails with DEVICE_NOT_FOUND, saying how to list the cameras', async () => {
    const fake = useFake();
    const camera = piCamera({ camera: 1 }); // the fake has one camera: index 0
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(error.code).toBe('DEVICE_NOT_FOUND');
    expect(error.detail).toBe(
      'no such camera: rpicam-vid exited with code 255 saying "ERROR: *** selected camera is not available ***". ' +
        'The option camera is an index from 0; `rpicam-hello --list-cameras` lists the cameras there are',
    );
    expect(fake.runs()[0]?.args).toContain('--camera=1');
  });

  test('output that is not JPEG fails with INVALID_FRAME', async () => {
    useFake({ mode: 'garbage' });
    const camera = piCamera();
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(error.code).toBe('INVALID_FRAME');
    expect(error.detail).toBe(
      'rpicam-vid: its output is not a stream of JPEG images: expected a JPEG image to start (FF D8), ' +
        'found byte 74 at byte 0 of the stream',
    );
  });

  test('a missing tool fails with DEPENDENCY_MISSING, naming the programs and how to install them', async () => {
    useFake({ path: [emptyDir()] });
    const camera = piCamera();
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(error.code).toBe('DEPENDENCY_MISSING');
    expect(error.detail).toBe(
      'neither rpicam-vid nor libcamera-vid is on PATH. Raspberry Pi OS (Bookworm or later) ships them; ' +
        'on other distributions install rpicam-apps where available (sudo apt install rpicam-apps)',
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  test('a command option that does not exist fails with DEPENDENCY_MISSING naming it', async () => {
    useFake();
    const camera = piCamera({ command: '/nonexistent/rpicam-vid' });
    const error = (await rejection(camera.subscribe().next())) as CameraError;
    expect(error.code).toBe('DEPENDENCY_MISSING');
    expect(error.detail).toBe(
      'cannot run /nonexistent/rpicam-vid (option command): not found, or not executable',
    );
  });
});

describe("checkPiAvailable (the driver's checkAvailable)", () => {
  test('passes where the tool runs, without starting a capture', async () => {
    const fake = useFake();
    await checkPiAvailable({});
    expect(fake.runs()).toEqual([]); // --version exits before the fake records a run
  });

  test('accepts libcamera-vid, or the command option', async () => {
    useFake({ path: [LEGACY_BIN] });
    await checkPiAvailable({});
    await checkPiAvailable({ command: join(FAKE_BIN, 'rpicam-vid') });
  });

  test('throws DEPENDENCY_MISSING where neither program is', async () => {
    useFake({ path: [emptyDir()] });
    const error = (await rejection(checkPiAvailable({}))) as CameraError;
    expect(error.code).toBe('DEPENDENCY_MISSING');
    expect(error.message).toContain('neither rpicam-vid nor libcamera-vid is on PATH');
  });
});

test('isAlive sees a process end', async () => {
  // Guards the helper the tests above rely on: a process that exits is seen as gone.
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 200)']);
  expect(isAlive(child.pid!)).toBe(true);
  await vi.waitFor(() => expect(isAlive(child.pid!)).toBe(false), 5000);
});
