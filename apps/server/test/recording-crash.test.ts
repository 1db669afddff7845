// Crash safety through the shipped server (issue 16): the server, a child process recording its camera in
// 3 s segments while a live viewer watches, is killed with SIGKILL mid-segment, then started again with the
// same config. Real ffprobe/ffmpeg read what it left on disk.
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { getJson, openStream, requireTool, startServer, waitFor } from './helpers.js';
import { demuxedJpegs, expectCompleteSegment, segmentFiles, segmentStart } from './support/recorded-files.js';
import { frameIndex, startRecordingServer } from './support/recording-server.js';

const hasFfmpeg =
  requireTool('ffmpeg', 'apt-get install ffmpeg') && requireTool('ffprobe', 'apt-get install ffmpeg');

interface Listing {
  segments: { startTime: string; endTime: string; bytes: number; recording: boolean }[];
}

interface CameraState {
  recording: { status: string; framesWritten: number } | null;
}

const FPS = 20;
const SEGMENT_MS = 3000;

const listing = async (url: string, from = '-1h') =>
  (await getJson<Listing>(`${url}/api/cameras/cam/recordings?from=${from}`)).body;

test.runIf(hasFfmpeg)(
  'after kill -9 mid-segment and a restart: earlier segments intact, the cut one repaired, at most 2 s lost',
  { timeout: 60_000 },
  async () => {
    const server = await startRecordingServer(
      (dir) => ({ record: { dir, segmentSeconds: SEGMENT_MS / 1000 } }),
      { fps: FPS },
    );
    const cameraDir = join(server.dir, 'cam');

    // A live viewer, noting the newest frame it has seen and when it arrived: that frame was captured
    // then at the latest, so the span it gives is an upper bound of what the crash lost.
    const viewer = await openStream(server.port, '/cameras/cam/stream');
    let seen: { frame: number; at: number } | undefined;
    viewer.response.on('data', () => {
      const part = viewer.parts.at(-1);
      if (part) seen = { frame: frameIndex(part.body), at: Date.now() };
    });

    // Two finished segments, then the kill between 1.3 and 2.2 s into the one being written: its first
    // cluster (1 s of frames) is on disk, and its end is far (margins for a loaded machine either side).
    const cut = await waitFor(
      async () => {
        const { segments } = await listing(server.url);
        const current = segments.find((segment) => segment.recording);
        if (segments.filter((segment) => !segment.recording).length < 2 || !current) return false;
        const age = Date.now() - Date.parse(current.startTime);
        return age >= 1300 && age <= 2200 && current;
      },
      { timeout: 30_000, interval: 20, message: 'two finished segments, and 1.3 s into the third' },
    );
    await server.proc.kill('SIGKILL');
    await viewer.ended;
    expect(server.proc.exit?.signal).toBe('SIGKILL');
    const lastSeen = seen!;

    // What the crash left: the segments finished before it, all complete, and the cut one still a `.part`.
    const left = segmentFiles(cameraDir);
    expect(left.parts).toEqual([`${cut.startTime.replaceAll(':', '-')}.mkv.part`]);
    expect(left.other).toEqual([]);
    expect(left.finished.length).toBeGreaterThanOrEqual(2);
    for (const name of left.finished) {
      const { packetTimes } = await expectCompleteSegment(join(cameraDir, name));
      // A whole segment: about 3 s of frames (fewer on a loaded machine, never a stub).
      expect(packetTimes.length, name).toBeGreaterThan(((SEGMENT_MS / 1000) * FPS) / 2);
      expect(packetTimes.at(-1)!, name).toBeGreaterThan(SEGMENT_MS / 2);
    }

    // The same config again: the server repairs the `.part` at start, then records on.
    const restarted = await startServer({}, ['--config', server.configPath]);
    const repairedName = left.parts[0]!.replace(/\.part$/, '');
    const after = segmentFiles(cameraDir);
    expect(after.finished).toEqual(expect.arrayContaining([...left.finished, repairedName]));
    expect(after.parts.filter((name) => segmentStart(name) <= lastSeen.at)).toEqual([]);
    const repaired = await expectCompleteSegment(join(cameraDir, repairedName));

    // The span lost: from the last frame recorded to the last one the viewer saw before the kill.
    const jpegs = await demuxedJpegs(join(cameraDir, repairedName));
    expect(jpegs).toHaveLength(repaired.packetTimes.length);
    const lastRecorded = {
      frame: frameIndex(jpegs.at(-1)!),
      at: segmentStart(repairedName) + repaired.packetTimes.at(-1)!,
    };
    expect(lastSeen.at - lastRecorded.at, JSON.stringify({ lastSeen, lastRecorded })).toBeLessThanOrEqual(
      2000,
    );
    // The repaired segment goes on from the previous one, frame after frame, none missing.
    const previous = await demuxedJpegs(join(cameraDir, left.finished.at(-1)!));
    const numbers = [...previous, ...jpegs].map(frameIndex);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));

    // The API lists every segment from before the crash, the repaired one with its real end.
    const listed = await listing(restarted.url);
    const listedStarts = listed.segments.map((segment) => Date.parse(segment.startTime));
    for (const name of [...left.finished, repairedName]) expect(listedStarts).toContain(segmentStart(name));
    const listedCut = listed.segments.find((segment) => segment.startTime === cut.startTime)!;
    expect(listedCut.recording).toBe(false);
    expect(
      Math.abs(Date.parse(listedCut.endTime) - (segmentStart(repairedName) + repaired.durationMs)),
    ).toBeLessThanOrEqual(1);

    // And recording goes on: a new segment, frames written.
    await waitFor(
      async () => {
        const state = (await getJson<CameraState>(`${restarted.url}/api/cameras/cam`)).body;
        return state.recording?.status === 'recording' && state.recording.framesWritten > FPS;
      },
      { timeout: 15_000, message: 'frames recorded after the restart' },
    );
    const { segments } = await listing(restarted.url);
    expect(segments.some((segment) => Date.parse(segment.startTime) > lastSeen.at)).toBe(true);
  },
);
