import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished, test, vi } from 'vitest';
import { freePort, haveTool, startCam } from './deploy-support.js';

// docs/deploy/README.md, "Past one region": the ffmpeg command that pulls cam's stream, encodes H.264 and
// pushes it over RTSP to a media server, run as written there. Only its two addresses change: cam's, and
// the media server's, which here is a second ffmpeg receiving the push (`-rtsp_flags listen`).

const README = fileURLToPath(new URL('../../../docs/deploy/README.md', import.meta.url));

/** The documented command's arguments (after `ffmpeg`), from the README's code block that uses libx264. */
function documentedCommand(): string[] {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((text) => text.includes('libx264'));
  if (!block) throw new Error('docs/deploy/README.md has no ffmpeg command with libx264');
  const words = block.replace(/\\\n/g, ' ').trim().split(/\s+/);
  expect(words[0]).toBe('ffmpeg');
  return words.slice(1);
}

/** True once something listens on 127.0.0.1:`port` (from /proc/net/tcp; a probe connection would be the push). */
function listening(port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1] === local && fields[3] === '0A';
    });
}

function run(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    output: () => output,
    exit: once(child, 'close').then(([code]) => code as number | null),
  };
}

test.runIf(haveTool('ffmpeg', 'apt-get install ffmpeg'))(
  "the README's H.264 recipe: cam's stream, encoded by ffmpeg, reaches an RTSP server as H.264",
  async () => {
    const cam = await startCam({ CAMERA: 'emulated', CAMERA_FPS: '10' });
    const dir = mkdtempSync(join(tmpdir(), 'cam-h264-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const rtspPort = await freePort();
    const received = join(dir, 'received.mkv');
    // The media server: takes one RTSP push and keeps its first 20 frames, as they came (no re-encoding).
    const server = run('ffmpeg', [
      ...['-hide_banner', '-v', 'error', '-rtsp_flags', 'listen', '-timeout', '60'],
      ...['-i', `rtsp://127.0.0.1:${rtspPort}/cam`, '-c', 'copy', '-frames:v', '20', received],
    ]);
    await vi.waitFor(() => expect(listening(rtspPort)).toBe(true), { timeout: 10_000, interval: 50 });

    const args = documentedCommand().map((word) =>
      word
        .replace('http://127.0.0.1:5000/video_feed', `http://127.0.0.1:${cam.port}/video_feed`)
        .replace('rtsp://mediamtx:8554/cam', `rtsp://127.0.0.1:${rtspPort}/cam`),
    );
    expect(args).toContain(`http://127.0.0.1:${cam.port}/video_feed`);
    expect(args).toContain(`rtsp://127.0.0.1:${rtspPort}/cam`);
    const pusher = run('ffmpeg', ['-hide_banner', '-v', 'error', ...args]);

    const code = await Promise.race([server.exit, pusher.exit.then(() => 'pusher exited first')]);
    expect(code, `${server.output()}\n${pusher.output()}`).toBe(0);
    pusher.child.kill('SIGTERM');

    // What arrived is H.264 at the camera's size, and every frame decodes.
    const probe = run('ffprobe', [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-of', 'json'],
      ...['-show_entries', 'stream=codec_name,width,height,nb_read_frames', received],
    ]);
    expect(await probe.exit, probe.output()).toBe(0);
    const [stream] = (JSON.parse(probe.output()) as { streams: Record<string, unknown>[] }).streams;
    expect(stream).toMatchObject({ codec_name: 'h264', width: 640, height: 480, nb_read_frames: '20' });
  },
  60_000,
);
