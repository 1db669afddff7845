// The server with CAMERA=pi, end to end: the real server process runs @cam/driver-pi, which runs the
// fake rpicam-vid of that package's tests (found first on PATH) as a real child process; a real HTTP
// client reads the stream. What matters most here: the frames arrive whole and unchanged, the CAMERA_*
// variables reach rpicam-vid's command line, and no rpicam-vid outlives the server, however it ends.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  cameraStateOf,
  isWholeJpeg,
  onCleanup,
  openStream,
  partsBeforeClose,
  runServerToExit,
  startServer,
  tempDir,
  waitFor,
} from './helpers.js';

const PI_PACKAGE = dirname(createRequire(import.meta.url).resolve('@cam/driver-pi/package.json'));
const FIXTURES = join(PI_PACKAGE, 'test/fixtures');
const FRAMES_DIR = join(FIXTURES, 'frames');
/** The fake's frames, in the order it writes them (it loops). */
const FRAMES = readdirSync(FRAMES_DIR)
  .filter((name) => name.endsWith('.jpg'))
  .sort()
  .map((name) => ({ name, data: readFileSync(join(FRAMES_DIR, name)) }));
const FIXED_ARGS = ['-t', '0', '--codec', 'mjpeg', '--flush', '-n', '-o', '-'];

/** Which fake frame `jpeg` is, byte for byte. */
function fakeFrame(jpeg: Buffer): string | undefined {
  return FRAMES.find((frame) => frame.data.equals(jpeg))?.name;
}

/** True while `pid` runs; a zombie (exited, not reaped: an orphan in a container may stay one) is gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

interface Fake {
  /** The environment for the server: CAMERA=pi, the fake first on PATH, its record files. */
  env: Record<string, string>;
  pids(): number[];
  runs(): { command: string; args: string[] }[];
  events(): string[];
}

/** The fake rpicam-vid, set up for one server; `extra` adds to (or overrides) the environment. */
function fakeRpicam(extra: Record<string, string> = {}): Fake {
  const dir = tempDir('cam-pi-e2e-');
  const files = { pids: join(dir, 'pids'), args: join(dir, 'args'), events: join(dir, 'events') };
  const lines = (file: string) =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const fake: Fake = {
    env: {
      CAMERA: 'pi',
      PATH: [join(FIXTURES, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
      FAKE_RPICAM_PID_FILE: files.pids,
      FAKE_RPICAM_ARGS_FILE: files.args,
      FAKE_RPICAM_EVENTS_FILE: files.events,
      ...extra,
    },
    pids: () => lines(files.pids).map(Number),
    runs: () => lines(files.args).map((line) => JSON.parse(line) as { command: string; args: string[] }),
    events: () => lines(files.events),
  };
  // Whatever a test leaves, no fake outlives it.
  onCleanup(() => {
    for (const pid of fake.pids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  return fake;
}

describe('the server with CAMERA=pi (fake rpicam-vid)', () => {
  test('streams rpicam-vid frames byte for byte, run with the CAMERA_* options', {
    timeout: 30_000,
  }, async () => {
    const fake = fakeRpicam({
      CAMERA_FRAMERATE: '20',
      CAMERA_QUALITY: '75',
      CAMERA_ROTATION: '180',
      CAMERA_HFLIP: 'true',
      CAMERA_VFLIP: 'false',
    });
    const { proc, port } = await startServer(fake.env);
    const stream = await openStream(port);
    expect(stream.response.headers['content-type']).toBe('multipart/x-mixed-replace; boundary=frame');
    const parts = await stream.waitForParts(12, 10_000);

    for (const part of parts) {
      expect(isWholeJpeg(part.body)).toBe(true);
      expect(Number(part.headers['content-length'])).toBe(part.body.length);
    }
    const names = parts.map((part) => fakeFrame(part.body));
    expect(names, 'every part is one of the fake frames, unchanged').not.toContain(undefined);
    // The frames with EXIF thumbnails (which a search for FF D9 would have cut) arrive whole too.
    expect(names.filter((name) => name?.includes('exif')).length).toBeGreaterThan(0);
    expect(new Set(names).size).toBeGreaterThanOrEqual(3);

    expect(fake.runs()).toEqual([
      {
        command: 'rpicam-vid',
        args: [...FIXED_ARGS, '--framerate=20', '--quality=75', '--rotation=180', '--hflip'],
      },
    ]);
    expect(proc.find({ msg: 'camera started' })).toHaveLength(1);
    expect(
      proc.find((line) => line.level >= 40),
      'no warnings or errors',
    ).toEqual([]);
  });

  test('a viewer leaving does not stop rpicam-vid while another watches', { timeout: 30_000 }, async () => {
    const fake = fakeRpicam({ CAMERA_FRAMERATE: '20' });
    const { proc, port } = await startServer(fake.env);
    const [leaving, staying] = await Promise.all([openStream(port), openStream(port)]);
    await Promise.all([leaving.waitForParts(2, 10_000), staying.waitForParts(2, 10_000)]);
    leaving.close();
    await proc.waitForLog({ msg: 'viewers changed', viewers: 1 });
    const seen = staying.parts.length;
    await staying.waitForParts(seen + 5, 10_000);
    expect(fake.pids()).toHaveLength(1);
    expect(isAlive(fake.pids()[0]!)).toBe(true);
    expect(fake.events()).toEqual(['start']);
    expect(proc.find({ msg: 'camera stopped' })).toEqual([]);
  });

  test.each(['SIGTERM', 'SIGINT'] as const)(
    '%s ends the server cleanly and leaves no rpicam-vid behind',
    { timeout: 30_000 },
    async (signal) => {
      const fake = fakeRpicam({ CAMERA_FRAMERATE: '20' });
      const { proc, port } = await startServer(fake.env);
      const stream = await openStream(port);
      await stream.waitForParts(3, 10_000);
      const [pid] = fake.pids();
      expect(isAlive(pid!)).toBe(true);

      proc.child.kill(signal);
      expect(await proc.waitForExit(8000, `exit after ${signal}`)).toEqual({ code: 0, signal: null });
      expect(isAlive(pid!), 'rpicam-vid after the server stopped').toBe(false);
      // The server stopped it by SIGINT, and it exited cleanly, before the server did.
      expect(fake.events()).toEqual(['start', 'SIGINT', 'exit 0']);
      expect(fake.pids()).toEqual([pid]);

      expect(await stream.waitForEnd(2000)).toEqual({ complete: true });
      expect(partsBeforeClose(stream.raw).every((part) => fakeFrame(part.body))).toBe(true);
      expect(proc.find({ msg: 'camera stopped', reason: 'closed' })).toHaveLength(1);
      expect(
        proc.find((line) => line.level >= 40),
        'no warnings or errors',
      ).toEqual([]);
    },
  );

  test('a killed server leaves no rpicam-vid behind: its next write to the closed pipe ends it', {
    timeout: 30_000,
  }, async () => {
    const fake = fakeRpicam({ CAMERA_FRAMERATE: '20' });
    const { proc, port } = await startServer(fake.env);
    await (await openStream(port)).waitForParts(2, 10_000);
    const [pid] = fake.pids();

    await proc.kill('SIGKILL'); // no shutdown code runs
    await waitFor(() => !isAlive(pid!), { timeout: 5000, message: `rpicam-vid ${pid} to end` });
    expect(fake.events()).toContain('EPIPE');
  });

  test('an idle stop ends rpicam-vid; the next viewer starts a new one', { timeout: 30_000 }, async () => {
    const fake = fakeRpicam({ CAMERA_FRAMERATE: '20', IDLE_TIMEOUT: '0.5' });
    const { proc, port } = await startServer(fake.env);
    const first = await openStream(port);
    await first.waitForParts(2, 10_000);
    first.close();
    await proc.waitForLog({ msg: 'camera stopped', reason: 'idle' }, { timeout: 5000 });
    const [pid] = fake.pids();
    expect(isAlive(pid!)).toBe(false);

    const second = await openStream(port);
    const [part] = await second.waitForParts(1, 10_000);
    expect(fakeFrame(part!.body)).toBeDefined();
    expect(fake.pids()).toHaveLength(2);
    expect(isAlive(fake.pids()[1]!)).toBe(true);
  });

  test('"no cameras available" reaches viewers and the state API as DEVICE_NOT_FOUND', {
    timeout: 30_000,
  }, async () => {
    const fake = fakeRpicam({ FAKE_RPICAM_MODE: 'no-camera' });
    const { url } = await startServer(fake.env);
    const res = await fetch(`${url}/snapshot.jpg`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('DEVICE_NOT_FOUND');
    expect(body.error.message).toContain('ERROR: *** no cameras available ***');
    const state = await cameraStateOf(url, 'pi');
    expect(state.status).toBe('error');
    expect(state.lastError?.code).toBe('DEVICE_NOT_FOUND');
    for (const pid of fake.pids()) expect(isAlive(pid)).toBe(false);
  });

  test('refuses to start where neither rpicam-vid nor libcamera-vid is installed, saying how to get them', async () => {
    // Only node's directory and an empty one: not even a real rpicam-vid, should this run on a Pi.
    const fake = fakeRpicam({ PATH: [tempDir('cam-pi-empty-'), dirname(process.execPath)].join(delimiter) });
    const result = await runServerToExit(fake.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'cam: the pi driver cannot run here: neither rpicam-vid nor libcamera-vid is on PATH. ' +
        'Raspberry Pi OS (Bookworm or later) ships them; on other distributions install rpicam-apps ' +
        'where available (sudo apt install rpicam-apps)',
    );
  });

  test('refuses a bad option, naming its variable and what it accepts', async () => {
    const fake = fakeRpicam({ CAMERA_ROTATION: '90' });
    const result = await runServerToExit(fake.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CAMERA_ROTATION');
    expect(result.stderr).toContain('option "rotation" must be one of 0, 180, got "90"');
    expect(fake.pids()).toEqual([]);
  });
});
