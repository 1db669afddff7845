import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { haveTool, startCam, watch } from './deploy-support.js';

/** The ids of the processes `pid` started that still run. */
function childrenOf(pid: number): number[] {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(haveTool('ffmpeg', 'apt-get install ffmpeg'))('CAMERA=ffmpeg in the server', () => {
  test('relays an H.264 file; on SIGTERM the server stops its ffmpeg child before it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-ffmpeg-server-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const input = join(dir, 'pattern.mp4');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '2'],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', input],
    ]);
    const cam = await startCam({ CAMERA: 'ffmpeg', CAMERA_INPUT: input, CAMERA_LOOP: 'true' });
    const viewer = watch(`http://127.0.0.1:${cam.port}/video_feed`);
    await vi.waitFor(() => expect(viewer.frames.length).toBeGreaterThanOrEqual(5), { timeout: 15_000 });
    const [ffmpeg] = childrenOf(cam.pid);
    expect(ffmpeg).toBeDefined();
    expect(readFileSync(`/proc/${ffmpeg}/cmdline`, 'utf8')).toMatch(/^ffmpeg\0/);
    process.kill(cam.pid, 'SIGTERM');
    await vi.waitFor(() => expect(isRunning(cam.pid)).toBe(false), { timeout: 15_000 });
    expect(isRunning(ffmpeg!)).toBe(false);
    expect(cam.logs.some((line) => line.msg === 'camera stopped')).toBe(true);
  });
});
