// What the server recorded, read with the real ffprobe/ffmpeg: the segment files in a recordings
// directory, their packets and duration, every frame decoded or demuxed. For the recording tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tempDir } from './temp-files.js';
import { run } from './tools.js';

/** A segment's start time, from its file name (`2026-11-30T04-07-30.123Z.mkv`, `-` for `:`). */
export function segmentStart(name: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d(?:\.\d+)?Z)\.mkv(\.part)?$/.exec(name);
  if (!match) throw new Error(`not a segment file name: ${name}`);
  return Date.parse(`${match[1]}:${match[2]}:${match[3]}`);
}

/** The files of `cameraDir`: finished segments (`.mkv`, oldest first), segments being written (`.part`), the rest. */
export function segmentFiles(cameraDir: string): { finished: string[]; parts: string[]; other: string[] } {
  const names = readdirSync(cameraDir).sort();
  return {
    finished: names.filter((name) => name.endsWith('.mkv')),
    parts: names.filter((name) => name.endsWith('.mkv.part')),
    other: names.filter((name) => !name.endsWith('.mkv') && !name.endsWith('.mkv.part')),
  };
}

export interface ProbedSegment {
  /** What ffprobe said on stderr at `-v error`: empty for a sound file. */
  stderr: string;
  /** The container's duration, ms (the Matroska `Duration`; 0 in a file that was never finished). */
  durationMs: number;
  /** Each packet's time from the segment's start, ms, in file order. */
  packetTimes: number[];
}

/** ffprobe's view of a Matroska file: its duration and the time of every packet. */
export async function probeSegment(file: string): Promise<ProbedSegment> {
  const probed = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_packets',
    '-select_streams',
    'v:0',
    file,
  ]);
  const json = JSON.parse(probed.stdout.toString() || '{}') as {
    format?: { duration?: string };
    packets?: { pts_time: string }[];
  };
  return {
    stderr: probed.stderr,
    durationMs: Math.round(Number(json.format?.duration ?? 0) * 1000),
    packetTimes: (json.packets ?? []).map((packet) => Math.round(Number(packet.pts_time) * 1000)),
  };
}

/** Every frame of a Matroska file as ffmpeg demuxes it, without decoding (`-c copy`): JPEG files in order. */
export async function demuxedJpegs(file: string): Promise<Buffer[]> {
  const out = tempDir('cam-demux-');
  const result = await run('ffmpeg', [
    '-v',
    'error',
    '-i',
    file,
    '-c:v',
    'copy',
    '-f',
    'image2',
    join(out, '%05d.jpg'),
  ]);
  expect(result.stderr).toBe('');
  return readdirSync(out)
    .sort()
    .map((name) => readFileSync(join(out, name)));
}

/**
 * Decodes every frame of `file` with ffmpeg (failing on any decoder error) and returns how many there were.
 * `-fps_mode passthrough`: two frames captured in the same millisecond share a timestamp, and ffmpeg's
 * default would drop one of them from its output.
 */
export async function decodedFrames(file: string): Promise<number> {
  const decoded = await run('ffmpeg', [
    '-v',
    'error',
    '-xerror',
    '-i',
    file,
    '-fps_mode',
    'passthrough',
    '-f',
    'framemd5',
    '-',
  ]);
  expect(decoded.stderr).toBe('');
  return decoded.stdout
    .toString()
    .split('\n')
    .filter((line) => line && !line.startsWith('#')).length;
}

/**
 * Checks that `file` is a complete segment: ffprobe reads it without a word, ffmpeg decodes every packet,
 * and its Duration (written only when a segment is finished or repaired) ends one frame after its last
 * packet. Returns its packet times.
 */
export async function expectCompleteSegment(file: string): Promise<ProbedSegment> {
  const probed = await probeSegment(file);
  expect({ file, stderr: probed.stderr }).toEqual({ file, stderr: '' });
  expect(probed.packetTimes.length, file).toBeGreaterThan(0);
  expect(await decodedFrames(file), file).toBe(probed.packetTimes.length);
  const last = probed.packetTimes.at(-1)!;
  expect(probed.durationMs, `${file}: duration vs its last packet at ${last} ms`).toBeGreaterThan(last);
  expect(probed.durationMs - last, file).toBeLessThanOrEqual(1000);
  return probed;
}
