// Recording wired into the server: the real server (a child process), a camera whose frames say which
// they are, real HTTP clients, and the real ffmpeg/ffprobe reading what the server wrote and exported.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  getJson,
  metricValue,
  openStream,
  requireTool,
  run,
  scrapeMetrics,
  sleep,
  tempDir,
  waitFor,
} from './helpers.js';
import { decodedFrames, demuxedJpegs } from './support/recorded-files.js';
import { frameIndex, startRecordingServer } from './support/recording-server.js';

const hasFfmpeg =
  requireTool('ffmpeg', 'apt-get install ffmpeg') && requireTool('ffprobe', 'apt-get install ffmpeg');

interface Listing {
  segments: { startTime: string; endTime: string; bytes: number; recording: boolean }[];
  gaps: unknown[];
  span: { from: string; to: string } | null;
  replay: { from: string; to: string } | null;
}

interface StateWithRecording {
  status: string;
  viewers: unknown[];
  recording: { status: string; framesWritten: number } | null;
  replay: { frames: number; bytes: number } | null;
}

const recordTo = (dir: string) => ({ record: { dir, segmentSeconds: 2 } });

/** A snapshot of the frame nearest `at`: its bytes and its capture time. */
async function snapshotAt(url: string, at: string) {
  const res = await fetch(`${url}/cameras/cam/snapshot.jpg?at=${encodeURIComponent(at)}`);
  expect(res.status).toBe(200);
  return { data: Buffer.from(await res.arrayBuffer()), capturedAt: res.headers.get('x-captured-at')! };
}

/** The newest live frame's number. */
async function newestFrame(url: string): Promise<number> {
  const res = await fetch(`${url}/cameras/cam/snapshot.jpg`);
  return frameIndex(Buffer.from(await res.arrayBuffer()));
}

describe.runIf(hasFfmpeg)('recording', () => {
  test('an exported range plays in ffmpeg, from the frame captured at `from` to the one at `to`', async () => {
    const server = await startRecordingServer(recordTo);
    await waitFor(
      async () =>
        (await getJson<Listing>(`${server.url}/api/cameras/cam/recordings`)).body.segments.length >= 3,
      {
        timeout: 15_000,
        message: 'two finished segments',
      },
    );
    // A range across a segment boundary, as the capture times of two recorded frames.
    const from = await snapshotAt(server.url, '-4s');
    const to = await snapshotAt(server.url, '-2s');
    const url = `${server.url}/cameras/cam/recordings/export?from=${from.capturedAt}&to=${to.capturedAt}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/x-matroska');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="cam-.*\.mkv"$/);
    const file = join(tempDir('cam-export-'), 'export.mkv');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));

    const frames = await demuxedJpegs(file);
    expect(frames[0]!.equals(from.data)).toBe(true);
    expect(frames.at(-1)!.equals(to.data)).toBe(true);
    // Every frame between, in order, none missing (20 fps for 2 s: about 40).
    const numbers = frames.map(frameIndex);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    expect(numbers.length).toBeGreaterThan(20);
    expect(await decodedFrames(file)).toBe(frames.length); // ffmpeg decodes every frame
  });

  test('?at= streams recorded frames in capture order, then joins live without a duplicate or a gap', async () => {
    const server = await startRecordingServer(recordTo);
    await sleep(4000); // something to play back: 4 s, on disk and in memory
    const stream = await openStream(server.port, '/cameras/cam/stream?at=-3s&speed=4');
    // Played 4 times faster, it catches up with the camera within a second or so, then shows live frames.
    const target = await newestFrame(server.url);
    await waitFor(() => stream.parts.some((part) => frameIndex(part.body) >= target + 20), {
      timeout: 15_000,
      message: `the stream to reach live frames (camera at frame ${target} when it started)`,
    });
    const numbers = stream.parts.map((part) => frameIndex(part.body));
    // It started about 3 s (60 frames) back, not at the live frame.
    expect(numbers[0]!).toBeLessThan(target - 30);
    // Every frame from there to live, each once, in capture order: no duplicate and no gap at either join
    // (files → memory → live).
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    expect(stream.end).toBeUndefined(); // one response, still open
  });

  test('at speed 1 it replays up to the moment of the request at the original pace, then is live', async () => {
    const server = await startRecordingServer(recordTo);
    await sleep(4000);
    const stream = await openStream(server.port, '/cameras/cam/stream?at=-3s');
    const requested = await newestFrame(server.url); // (a moment after the request)
    // While the past plays, the stream stays behind the camera: 3 s at 20 fps is 60 frames, far more than
    // the few a slow machine could add or lose.
    await waitFor(() => stream.parts.length >= 30, { timeout: 15_000, message: '30 frames' });
    expect((await newestFrame(server.url)) - frameIndex(stream.parts.at(-1)!.body)).toBeGreaterThan(30);
    // Then it joins live, in the same response: it reaches the frames the camera captures now.
    await waitFor(
      async () => {
        const now = await newestFrame(server.url);
        return stream.parts.some((part) => frameIndex(part.body) >= now - 2);
      },
      { timeout: 15_000, message: 'the stream to reach live frames' },
    );
    const numbers = stream.parts.map((part) => frameIndex(part.body));
    // The past from about 3 s back up to the request, every frame in order; then one jump over what was
    // captured while it played; then live frames in order. Never a frame twice or backwards.
    expect(numbers[0]!).toBeLessThan(requested - 30);
    const jumps = numbers.slice(1).filter((n, i) => n !== numbers[i]! + 1);
    expect(numbers.slice(1).every((n, i) => n > numbers[i]!)).toBe(true);
    expect(jumps.length, `frames ${numbers.join(',')}`).toBeGreaterThanOrEqual(1);
    const replayed = numbers.slice(0, numbers.indexOf(jumps[0]!));
    expect(replayed.at(-1)!).toBeGreaterThanOrEqual(requested - 10);
    expect(stream.end).toBeUndefined(); // one response, still open
  });

  test('bad query values are answered 400 with a message that names the parameter', async () => {
    const server = await startRecordingServer(recordTo);
    const cases: [string, string, RegExp][] = [
      ['/cameras/cam/stream?at=yesterday', 'at', /ISO 8601 time .* or a time ago such as -30s/],
      ['/cameras/cam/stream?at=-30s&speed=0', 'speed', /from 0\.1 to 100, got "0"/],
      ['/cameras/cam/snapshot.jpg?at=1', 'at', /got "1"/],
      ['/api/cameras/cam/recordings?from=-1m&to=-2m', 'from', /must not be later than "to"/],
      ['/cameras/cam/recordings/export?to=-1m', 'from', /"from" is required/],
      ['/cameras/cam/recordings/export?from=2026-13-45T99:00:00Z', 'from', /ISO 8601/],
    ];
    for (const [path, parameter, message] of cases) {
      const { status, body } = await getJson(`${server.url}${path}`);
      expect({ path, status, code: body.error.code, parameter: body.error.parameter }).toEqual({
        path,
        status: 400,
        code: 'BAD_PARAMETER',
        parameter,
      });
      expect(body.error.message).toMatch(message);
    }
    // Nothing recorded then: 404 JSON, not an empty file.
    const empty = await getJson(`${server.url}/cameras/cam/recordings/export?from=-2h&to=-1h`);
    expect(empty.status).toBe(404);
    expect(empty.body.error.code).toBe('NO_RECORDING');
    const unknown = await getJson(`${server.url}/api/cameras/nope/recordings`);
    expect(unknown.body.error.code).toBe('UNKNOWN_CAMERA');
    // The server took none of it badly.
    expect((await getJson(`${server.url}/healthz`)).status).toBe(200);
  });

  test('state and metrics show the recording; the recorder is not counted as a viewer', async () => {
    const server = await startRecordingServer(recordTo);
    const state = await waitFor(
      async () => {
        const { body } = await getJson<StateWithRecording>(`${server.url}/api/cameras/cam`);
        return (body.recording?.framesWritten ?? 0) > 10 && body;
      },
      { timeout: 10_000, message: 'frames written' },
    );
    expect(state.recording?.status).toBe('recording');
    expect(state.status).toBe('running'); // no viewer, yet capturing: the recorder's demand
    expect(state.viewers).toEqual([]);
    expect(state.replay?.frames).toBeGreaterThan(0);
    const metrics = await scrapeMetrics(server.url);
    expect(metricValue(metrics, 'cam_viewers', 'cam')).toBe(0);
    expect(metricValue(metrics, 'cam_recording_error', 'cam')).toBe(0);
    expect(metricValue(metrics, 'cam_recording_frames_written_total', 'cam')).toBeGreaterThan(10);
    expect(metricValue(metrics, 'cam_recording_bytes_total', 'cam')).toBeGreaterThan(0);
    expect(metricValue(metrics, 'cam_replay_bytes', 'cam')).toBeGreaterThan(0);
  });

  test('SIGTERM finishes the segment being written: every file is complete and plays', async () => {
    const server = await startRecordingServer(recordTo);
    await sleep(3000); // mid-segment: segments are 2 s long
    const playback = await openStream(server.port, '/cameras/cam/stream?at=-2s');
    await waitFor(() => playback.parts.length >= 3, { message: 'recorded frames' });
    const exit = await server.proc.kill('SIGTERM');
    expect(exit.code).toBe(0);
    // A stream of recorded frames is ended on purpose, as a live one: its close delimiter came.
    expect(await playback.ended).toEqual({ complete: true });
    expect(playback.closed).toBe(true);
    const files = readdirSync(join(server.dir, 'cam'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.filter((name) => !name.endsWith('.mkv'))).toEqual([]); // no .part left behind
    for (const name of files) {
      const file = join(server.dir, 'cam', name);
      const probed = await run('ffprobe', [
        '-v',
        'error',
        '-count_packets',
        '-show_entries',
        'stream=nb_read_packets',
        '-of',
        'csv=p=0',
        file,
      ]);
      expect({ name, stderr: probed.stderr }).toEqual({ name, stderr: '' });
      expect(await decodedFrames(file)).toBe(Number(probed.stdout.toString().trim()));
    }
  });
});

describe('replay without recording', () => {
  test('?at= and snapshot?at= work from memory; a camera with neither answers 404', async () => {
    const server = await startRecordingServer(() => ({ replaySeconds: 10 }));
    const live = await openStream(server.port, '/cameras/cam/stream'); // replay keeps what viewers make the camera capture
    await sleep(3000);
    const stream = await openStream(server.port, '/cameras/cam/stream?at=-2s&speed=4');
    const target = await newestFrame(server.url);
    await waitFor(() => stream.parts.some((part) => frameIndex(part.body) >= target + 10), {
      timeout: 15_000,
      message: 'live frames',
    });
    const numbers = stream.parts.map((part) => frameIndex(part.body));
    expect(numbers[0]!).toBeLessThan(target - 20);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    const snapshot = await snapshotAt(server.url, '-1s');
    expect(frameIndex(snapshot.data)).toBeLessThan(frameIndex(live.parts.at(-1)!.body));
    const listing = await getJson<Listing>(`${server.url}/api/cameras/cam/recordings`);
    expect(listing.body.segments).toEqual([]);
    expect(listing.body.replay).not.toBeNull();
    const state = (await getJson<StateWithRecording>(`${server.url}/api/cameras/cam`)).body;
    expect(state.recording).toBeNull();
  });

  test('a camera that neither records nor replays answers ?at= with 404 NO_RECORDING', async () => {
    const server = await startRecordingServer(() => ({}));
    for (const path of [
      '/cameras/cam/stream?at=-5s',
      '/cameras/cam/snapshot.jpg?at=-5s',
      '/cameras/cam/recordings/export?from=-5s',
    ]) {
      const { status, body } = await getJson(`${server.url}${path}`);
      expect({ path, status, code: body.error.code }).toEqual({ path, status: 404, code: 'NO_RECORDING' });
      expect(body.error.message).toMatch(/"record" or "replaySeconds"|does not record|no recording/);
    }
  });
});

describe('a recording that cannot be written', () => {
  test('is an error in state, metrics and one log line; live goes on; recording resumes by itself', {
    timeout: 60_000,
  }, async () => {
    // The recordings directory cannot be made: a file stands where its parent should be.
    const root = tempDir('cam-blocked-');
    const blocker = join(root, 'blocker');
    writeFileSync(blocker, 'not a directory');
    const server = await startRecordingServer(() => ({ record: { dir: join(blocker, 'rec') } }));
    const failed = await server.proc.waitForLog((line) =>
      line.msg.startsWith('recording of camera cam stopped'),
    );
    expect(failed.level).toBe(50); // error
    const state = (await getJson<StateWithRecording>(`${server.url}/api/cameras/cam`)).body;
    expect(state.recording?.status).toBe('error');
    const reason = (state.recording as { reason?: string }).reason!;
    expect(reason).toMatch(/ENOTDIR/);
    expect(reason).not.toContain(root); // no path of the machine in the API
    expect(metricValue(await scrapeMetrics(server.url), 'cam_recording_error', 'cam')).toBe(1);
    // Live viewers are not affected.
    const stream = await openStream(server.port, '/cameras/cam/stream');
    await waitFor(() => stream.parts.length >= 5, { timeout: 10_000, message: 'live frames' });

    // The way is cleared: the recorder tries again (every 5 s) and records.
    rmSync(blocker);
    await server.proc.waitForLog({ msg: 'recording of camera cam resumed' }, { timeout: 20_000 });
    await waitFor(
      async () =>
        (await getJson<StateWithRecording>(`${server.url}/api/cameras/cam`)).body.recording?.status ===
        'recording',
      { timeout: 5000, message: 'recording again' },
    );
    expect(metricValue(await scrapeMetrics(server.url), 'cam_recording_error', 'cam')).toBe(0);
  });
});
