// A server whose camera records (or keeps a replay), with frames that say which they are: for the
// recording tests (recording.test.ts, recording-timeline.test.ts).
import { startWithConfig } from './config-servers.js';
import { jpegLabel, tempDir, writeFrames } from './temp-files.js';

/** Frames `f1`, `f2`, ... in capture order: the emulated camera loops them, so at 20 fps they stay in order for 100 s. */
export const NUMBERED_FRAMES = 2000;

/** The frame's number (its place in capture order), from its label. */
export function frameIndex(jpeg: Buffer): number {
  const label = jpegLabel(jpeg);
  if (!label?.startsWith('f')) throw new Error(`not a numbered frame: ${JSON.stringify(label)}`);
  return Number(label.slice(1));
}

/**
 * Starts one emulated camera `cam` at `fps` over numbered frames; `camera` adds keys to its config (such
 * as `record: { dir }` or `replaySeconds`), given a new temp dir for recordings.
 */
export async function startRecordingServer(
  camera: (dir: string) => Record<string, unknown>,
  options: { fps?: number; top?: Record<string, unknown> } = {},
) {
  const { files } = writeFrames(Array.from({ length: NUMBERED_FRAMES }, (_, i) => `f${i + 1}`));
  const dir = tempDir('cam-recordings-');
  const server = await startWithConfig({
    ...options.top,
    cameras: [{ id: 'cam', options: { fps: options.fps ?? 20, frames: files }, ...camera(dir) }],
  });
  return { ...server, dir };
}
