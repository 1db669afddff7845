// ChildFrames against real child processes: a Node script (fixtures/capture-program.mjs) stands in for
// rpicam-vid or ffmpeg, writing real JPEGs to its stdout, words to its stderr, and exiting or ignoring
// stop signals as each test plans.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import {
  CameraError,
  type ChildExit,
  ChildFrames,
  type ChildFramesOptions,
  isCameraError,
  spawnProcess,
} from '../src/index.js';
import { isProcessAlive, testJpeg, testJpegNumber } from '../src/testing/index.js';

const PROGRAM = fileURLToPath(new URL('./fixtures/capture-program.mjs', import.meta.url));

interface Plan {
  stdout?: Buffer[];
  stderr?: string;
  exit?: number;
  ignore?: NodeJS.Signals[];
  grandchild?: boolean;
}

/** Starts the fake program on `plan`; stopped after the test. `log` is the file it writes signals to. */
async function startProgram(plan: Plan, options: Partial<ChildFramesOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cam-child-frames-'));
  const log = join(dir, 'log');
  const json = JSON.stringify({ ...plan, stdout: plan.stdout?.map((b) => b.toString('base64')), log });
  const frames = await ChildFrames.start(process.execPath, [PROGRAM, json], {
    camera: 'test',
    command: 'fake-capture',
    ...options,
  });
  onTestFinished(async () => {
    await frames.stop(200);
    rmSync(dir, { recursive: true, force: true });
  });
  const logged = () => {
    try {
      return readFileSync(log, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return { frames, logged };
}

async function failure(promise: Promise<unknown>): Promise<CameraError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isCameraError(error)) throw new Error(`expected a CameraError, got ${String(error)}`);
  return error;
}

const never = new AbortController().signal;

describe('ChildFrames: frames', () => {
  test('yields the frames the program writes, in order, then SOURCE_ENDED once they are taken', async () => {
    const { frames } = await startProgram({ stdout: [testJpeg(1), testJpeg(2)], exit: 0 });
    expect(testJpegNumber((await frames.next(never))!)).toBe(1);
    expect(testJpegNumber((await frames.next(never))!)).toBe(2);
    const error = await failure(frames.next(never));
    expect(error.code).toBe('SOURCE_ENDED');
    expect(error.message).toBe('[cam] [test] fake-capture exited with code 0 after 2 frames');
    expect(frames.framesRead).toBe(2);
  });

  test('a reader slower than the program gets the newest frames: older ones beyond maxQueued are dropped', async () => {
    const { frames } = await startProgram({ stdout: [1, 2, 3, 4, 5].map((n) => testJpeg(n)) });
    await vi.waitFor(() => expect(frames.framesRead).toBe(5));
    expect(testJpegNumber((await frames.next(never))!)).toBe(4);
    expect(testJpegNumber((await frames.next(never))!)).toBe(5);
  });

  test('next() waits for a frame, and resolves undefined when its signal aborts', async () => {
    const { frames } = await startProgram({});
    const stop = new AbortController();
    const next = frames.next(stop.signal);
    stop.abort();
    await expect(next).resolves.toBeUndefined();
    await expect(frames.next(stop.signal)).resolves.toBeUndefined();
  });

  test('output that is not JPEG: INVALID_FRAME, though the program runs on', async () => {
    const { frames } = await startProgram({ stdout: [Buffer.from('Usage: fake-capture [options]')] });
    const error = await failure(frames.next(never));
    expect(error.code).toBe('INVALID_FRAME');
    expect(error.detail).toMatch(/^fake-capture: its output is not a stream of JPEG images: /);
  });
});

describe('ChildFrames: exits and what the program said', () => {
  const stderr =
    '\x1b[32mINFO opening rtsp://admin:secret@10.0.0.9/stream\x1b[0m\n' +
    '\x1b[31mERROR: cannot open the device\x1b[0m\n' +
    'cleaning up\n';

  test('an exit before any frame: DRIVER_FAILED quoting the error line; stderr cleaned and redacted, whole in the cause', async () => {
    const redact = (text: string) => text.replace(/\/\/[^@/]+@/g, '//***@');
    const { frames } = await startProgram({ stderr, exit: 3 }, { redact });
    const error = await failure(frames.next(never));
    expect(error.code).toBe('DRIVER_FAILED');
    expect(error.detail).toBe(
      'fake-capture exited with code 3 before its first frame: ERROR: cannot open the device',
    );
    const cause = (error.cause as Error).message;
    expect(cause).toBe(
      'fake-capture stderr (last 4096 bytes):\n' +
        'INFO opening rtsp://***@10.0.0.9/stream\nERROR: cannot open the device\ncleaning up',
    );
    expect(frames.stderr).not.toContain('secret');
    expect(frames.stderr).not.toContain('\x1b');
    expect(frames.summary).toBe('ERROR: cannot open the device');
  });

  test('keeps only the last stderrTail bytes of stderr', async () => {
    const lines = Array.from({ length: 200 }, (_, n) => `line ${n} of the log`).join('\n');
    const { frames } = await startProgram({ stderr: `${lines}\n`, exit: 1 }, { stderrTail: 100 });
    await failure(frames.next(never));
    expect(Buffer.byteLength(frames.stderr)).toBeLessThanOrEqual(100);
    expect(frames.stderr).toMatch(/line 199 of the log$/);
    expect(frames.summary).toBe('line 199 of the log');
  });

  test('exitError gives the error for what the program said, or leaves it to the default', async () => {
    const exits: ChildExit[] = [];
    const exitError = (exit: ChildExit) => {
      exits.push(exit);
      const line = exit.lines.findLast((text) => text.includes('401'));
      return line ? new CameraError('UNAUTHORIZED', line, { camera: 'test', cause: exit.cause }) : undefined;
    };
    const refused = await startProgram({ stderr: 'RTSP/1.0 401 Unauthorized\n', exit: 1 }, { exitError });
    const error = await failure(refused.frames.next(never));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.detail).toBe('RTSP/1.0 401 Unauthorized');
    expect(exits[0]).toMatchObject({
      command: 'fake-capture',
      code: 1,
      signal: null,
      how: 'exited with code 1',
      framesRead: 0,
      lines: ['RTSP/1.0 401 Unauthorized'],
    });

    const other = await startProgram(
      { stdout: [testJpeg(1)], stderr: 'a segfault\n', exit: 139 },
      { exitError },
    );
    await other.frames.next(never);
    const fallback = await failure(other.frames.next(never));
    expect(fallback.code).toBe('DRIVER_FAILED');
    expect(fallback.detail).toBe('fake-capture exited with code 139 after 1 frames: a segfault');
    expect(exits).toHaveLength(2);
  });
});

describe('ChildFrames: stop', () => {
  test('SIGINT ends a program that heeds it; the stop resolves once it has exited', async () => {
    const { frames } = await startProgram({ stdout: [testJpeg(1)] });
    const pid = frames.pid!;
    await frames.next(never);
    await frames.stop(5000);
    expect(isProcessAlive(pid)).toBe(false);
    const error = await failure(frames.next(never));
    expect(error.detail).toMatch(/^fake-capture was killed by SIGINT after 1 frames/);
  });

  test('escalates to SIGTERM, then SIGKILL, to the whole process group', async () => {
    const { frames, logged } = await startProgram({ ignore: ['SIGINT', 'SIGTERM'], grandchild: true });
    await vi.waitFor(() => expect(logged()[0]).toMatch(/^grandchild \d+$/));
    const grandchild = Number(logged()[0]!.split(' ')[1]);
    const pid = frames.pid!;
    await frames.stop(300);
    expect(logged().slice(1)).toEqual(['SIGINT', 'SIGTERM']);
    expect(isProcessAlive(pid)).toBe(false);
    // The grandchild heeded the SIGINT sent to the group: nothing the program started outlives it.
    await vi.waitFor(() => expect(isProcessAlive(grandchild)).toBe(false));
  });

  test('stopTimeout(step): a camera stopTimeout that outlasts the three steps of a stop', () => {
    expect(ChildFrames.stopTimeout(2000)).toBe(7000);
  });
});

describe('spawnProcess', () => {
  test("rejects with spawn's ENOENT for a program that is not there, as ChildFrames.start does", async () => {
    const missing = await spawnProcess('cam-no-such-program', []).catch(
      (error: NodeJS.ErrnoException) => error,
    );
    expect((missing as NodeJS.ErrnoException).code).toBe('ENOENT');
    const start = ChildFrames.start('cam-no-such-program', [], { camera: 'test' });
    await expect(start).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('starts the program as the leader of its own process group', async () => {
    const child = await spawnProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    // Signalling the group by the child's pid works only when the child leads a group of its own.
    expect(() => process.kill(-child.pid!, 0)).not.toThrow();
  });

  test('ChildFrames refuses a child whose stdout is not piped', async () => {
    const child = await spawnProcess(process.execPath, ['-e', ''], { stdio: 'ignore' });
    expect(() => new ChildFrames(child, { camera: 'test' })).toThrow(TypeError);
  });
});
