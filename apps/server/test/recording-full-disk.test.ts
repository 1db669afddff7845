// Retention and a full disk through the shipped server (issue 16): the server, a child process, records
// to a recordings directory with tiny limits, and to a small tmpfs of its own that a filler file fills to
// the last byte (a real ENOSPC from the kernel). Real HTTP clients read its state, metrics and live stream.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { getJson, metricValue, openStream, requireTool, scrapeMetrics, sleep, waitFor } from './helpers.js';
import { expectCompleteSegment, segmentFiles } from './support/recorded-files.js';
import { startRecordingServer } from './support/recording-server.js';
import { canMountTmpfs, fillDisk, mountTmpfs } from './support/tmpfs.js';

const hasFfmpeg =
  requireTool('ffmpeg', 'apt-get install ffmpeg') && requireTool('ffprobe', 'apt-get install ffmpeg');

interface CameraState {
  recording: { status: string; reason?: string; framesWritten: number; framesDropped: number } | null;
}

const recordingState = async (url: string) =>
  (await getJson<CameraState>(`${url}/api/cameras/cam`)).body.recording!;

/** The finished segments of `cameraDir` and their total size. */
function finishedSegments(cameraDir: string): { names: string[]; bytes: number } {
  const names = segmentFiles(cameraDir).finished;
  return { names, bytes: names.reduce((sum, name) => sum + statSync(join(cameraDir, name)).size, 0) };
}

// 1 s segments of 20 small frames (about 14 KB each): a limit of 45 KB keeps about three.
const MAX_BYTES = 45_000;

describe.runIf(hasFfmpeg)('retention', () => {
  test.for([
    { limit: 'retain.maxBytes', camera: { retain: { maxBytes: MAX_BYTES } }, top: {} },
    { limit: 'recordings.maxBytes', camera: {}, top: { recordings: { maxBytes: MAX_BYTES } } },
  ])(
    'with $limit of a few segments, the oldest go first, the newest stay, the total within it',
    {
      timeout: 60_000,
    },
    async ({ camera, top }) => {
      const server = await startRecordingServer(
        (dir) => ({ record: { dir, segmentSeconds: 1, ...camera } }),
        { top },
      );
      const cameraDir = join(server.dir, 'cam');
      // Every finished segment that ever appeared, in the order of their names (their start times).
      const seen = new Set<string>();
      const look = () => {
        for (const name of segmentFiles(cameraDir).finished) seen.add(name);
      };
      await waitFor(
        async () => {
          look();
          return (
            metricValue(await scrapeMetrics(server.url), 'cam_recording_segments_deleted_total', 'cam') >= 3
          );
        },
        { timeout: 30_000, interval: 100, message: 'three segments deleted by retention' },
      );
      // Retention runs right after a segment is finished: the total is back within the limit at once.
      const kept = await waitFor(
        () => {
          const segments = finishedSegments(cameraDir);
          return segments.bytes <= MAX_BYTES && segments;
        },
        { timeout: 5000, interval: 10, message: `the segments within ${MAX_BYTES} bytes` },
      );
      look();
      const all = [...seen].sort();
      // The kept ones are the newest: what is gone is the oldest, and nothing newer was deleted.
      expect(kept.names.length).toBeGreaterThanOrEqual(2);
      expect(kept.names).toEqual(all.slice(all.indexOf(kept.names[0]!)));
      expect(all.indexOf(kept.names[0]!)).toBeGreaterThanOrEqual(3);
      const deleted = metricValue(
        await scrapeMetrics(server.url),
        'cam_recording_segments_deleted_total',
        'cam',
      );
      expect(deleted).toBeGreaterThanOrEqual(all.indexOf(kept.names[0]!));

      // Stopped (SIGTERM finishes the segment being written), the recordings still keep to the limit.
      expect((await server.proc.kill('SIGTERM')).code).toBe(0);
      const left = finishedSegments(cameraDir);
      expect(left.bytes).toBeLessThanOrEqual(MAX_BYTES);
      expect(left.names.at(-1)! > kept.names.at(-1)!).toBe(true); // the newest, finished at shutdown, kept
      // What is kept plays (read now: while the server ran, retention went on deleting).
      for (const name of left.names) await expectCompleteSegment(join(cameraDir, name));
    },
  );
});

const hasTmpfs = canMountTmpfs();

// Skipped where a tmpfs cannot be mounted (not root): canMountTmpfs says so, and fails instead on CI.
describe.runIf(hasFfmpeg && hasTmpfs)('a full disk', () => {
  test('is an error in state (ENOSPC, no path), metric and one log line; live goes on; recording resumes', {
    timeout: 60_000,
  }, async () => {
    const FPS = 30;
    const disk = mountTmpfs('2m');
    const server = await startRecordingServer(() => ({ record: { dir: disk, segmentSeconds: 2 } }), {
      fps: FPS,
    });
    await waitFor(async () => (await recordingState(server.url)).framesWritten > FPS, {
      timeout: 15_000,
      message: 'a second recorded',
    });
    const live = await openStream(server.port, '/cameras/cam/stream');

    // The disk fills up to the last byte: the recorder's next write fails with ENOSPC.
    const filler = fillDisk(disk);
    const failed = await waitFor(
      async () => {
        const state = await recordingState(server.url);
        return state.status === 'error' && state;
      },
      { timeout: 15_000, message: 'the recording in error' },
    );
    expect(failed.reason).toMatch(/ENOSPC/);
    expect(failed.reason).not.toContain(disk); // no path of the machine in the API
    expect(metricValue(await scrapeMetrics(server.url), 'cam_recording_error', 'cam')).toBe(1);

    // Live viewers are not affected: while the recorder stays in error, through one of its retries (every
    // 5 s; its reason then says the disk is still full), a viewer gets at least half the camera's rate
    // (measured over 3 s at least).
    const from = { parts: live.parts.length, at: Date.now() };
    await waitFor(
      async () => /^prepare failed .*ENOSPC/.test((await recordingState(server.url)).reason ?? ''),
      {
        timeout: 15_000,
        message: 'a retry that finds the disk still full',
      },
    );
    await sleep(Math.max(0, 3000 - (Date.now() - from.at)));
    const rate = ((live.parts.length - from.parts) * 1000) / (Date.now() - from.at);
    expect(rate).toBeGreaterThanOrEqual(FPS / 2);
    const stillFull = await recordingState(server.url);
    expect(stillFull.status).toBe('error');
    expect(stillFull.framesDropped).toBeGreaterThan(failed.framesDropped);
    expect(metricValue(await scrapeMetrics(server.url), 'cam_recording_error', 'cam')).toBe(1);
    // One error line for the outage, not one per retry.
    const errors = server.proc.find((line) => line.level >= 50);
    expect(errors.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^recording of camera cam stopped: .*ENOSPC/),
    ]);

    // Space returns: recording resumes by itself (one info line), and frames are written again.
    rmSync(filler);
    await server.proc.waitForLog({ msg: 'recording of camera cam resumed' }, { timeout: 15_000 });
    const resumed = await waitFor(
      async () => {
        const state = await recordingState(server.url);
        return state.status === 'recording' && state.framesWritten > failed.framesWritten + FPS && state;
      },
      { timeout: 15_000, message: 'frames recorded again' },
    );
    expect(resumed.reason).toBeUndefined();
    expect(metricValue(await scrapeMetrics(server.url), 'cam_recording_error', 'cam')).toBe(0);
    expect(server.proc.find((line) => line.level >= 50)).toHaveLength(1);
    expect(live.end).toBeUndefined(); // the live stream never stopped

    // What the outage left is readable: the segment cut by ENOSPC was repaired at the retry.
    expect((await server.proc.kill('SIGTERM')).code).toBe(0);
    const files = segmentFiles(join(disk, 'cam'));
    expect(files.parts).toEqual([]);
    for (const name of files.finished) await expectCompleteSegment(join(disk, 'cam', name));
    expect(readdirSync(disk).sort()).toEqual(['cam']);
  });
});
