// Runs the real ffprobe/ffmpeg on recorded files.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Probe {
  /** Container duration, seconds. */
  duration: number;
  /** Packet times, seconds, in file order. */
  packetTimes: number[];
}

export async function probe(path: string): Promise<Probe> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_packets', '-select_streams', 'v:0', path],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const json = JSON.parse(stdout) as { format: { duration: string }; packets: { pts_time: string }[] };
  return { duration: Number(json.format.duration), packetTimes: json.packets.map((p) => Number(p.pts_time)) };
}

/** Decodes every frame; returns how many were decoded. Fails on any decoder error. */
export async function decodeAll(path: string): Promise<number> {
  const { stdout, stderr } = await run(
    'ffmpeg',
    // passthrough: frames captured in the same millisecond share a timestamp, which ffmpeg would thin out
    ['-v', 'error', '-xerror', '-i', path, '-fps_mode', 'passthrough', '-f', 'framemd5', '-'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  if (stderr.trim()) throw new Error(`ffmpeg: ${stderr}`);
  return stdout.split('\n').filter((line) => line && !line.startsWith('#')).length;
}

/** The stored JPEG bytes of every frame, as ffmpeg demuxes them (no decode, no re-encode). */
export async function demuxedFrames(path: string): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', path, '-c:v', 'copy', '-f', 'mjpeg', '-'], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}
