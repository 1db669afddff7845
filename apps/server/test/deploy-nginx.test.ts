import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { JpegSplitter } from '@cam/core';
import { defaultFrameFiles } from '@cam/driver-emulated';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { haveTool, startCam, viewerCount, watch } from './deploy-support.js';
import { startNginx } from './support/nginx.js';

// docs/deploy/nginx.conf, as shipped, run by Debian's nginx (apt-get install nginx-light) on 127.0.0.1
// with its own prefix, in front of a real cam. The test changes only addresses and certificate paths.

const EMULATED_FRAMES = defaultFrameFiles().map((file) => readFileSync(file));
const frameNumber = (jpeg: Buffer) => EMULATED_FRAMES.findIndex((frame) => frame.equals(jpeg));

describe.runIf(haveTool('nginx', 'apt-get install nginx-light'))(
  'cam behind nginx (docs/deploy/nginx.conf)',
  () => {
    test('streams flow through nginx, over HTTP and TLS, whole and unchanged', async () => {
      const cam = await startCam({ CAMERA: 'emulated', CAMERA_FPS: '30' });
      const nginx = await startNginx(cam.port);
      const viewers = [
        ...Array.from({ length: 5 }, () => watch(`http://127.0.0.1:${nginx.http}/video_feed`)),
        watch(`https://127.0.0.1:${nginx.https}/video_feed`),
      ];
      await vi.waitFor(
        () => expect(Math.min(...viewers.map((v) => v.frames.length))).toBeGreaterThanOrEqual(10),
        {
          timeout: 10_000,
          interval: 100,
        },
      );
      expect(await viewerCount(cam.port)).toBe(viewers.length);
      for (const viewer of viewers) {
        viewer.close();
        expect(viewer.error).toBeUndefined();
        for (const frame of viewer.frames) expect(frameNumber(frame)).not.toBe(-1);
      }
    });

    test('a frame reaches an ffmpeg client through nginx while the camera is quiet: nothing holds it back', async () => {
      // One frame every 10 s: the first is published at once, the next 10 s later. A proxy that buffers
      // would hold the first (or its tail) until more bytes came; it must reach ffmpeg before the second.
      const cam = await startCam({ CAMERA: 'emulated', CAMERA_FPS: '0.1' });
      const nginx = await startNginx(cam.port);
      const direct = watch(`http://127.0.0.1:${cam.port}/video_feed`); // what the camera has published
      // ffmpeg reads through nginx and copies each JPEG to stdout as it has it. (Its raw `-f mjpeg` output
      // muxer, unlike image2pipe, holds each frame back until the next one: that would test ffmpeg.)
      const ffmpeg = spawn(
        'ffmpeg',
        [
          ...[
            '-hide_banner',
            '-v',
            'error',
            '-f',
            'mpjpeg',
            '-i',
            `http://127.0.0.1:${nginx.http}/video_feed`,
          ],
          ...['-c:v', 'copy', '-f', 'image2pipe', 'pipe:1'],
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      onTestFinished(() => {
        ffmpeg.kill('SIGKILL');
      });
      const splitter = new JpegSplitter();
      const received: { frame: Buffer; published: number }[] = [];
      ffmpeg.stdout.on('data', (chunk: Buffer) => {
        for (const frame of splitter.push(chunk)) received.push({ frame, published: direct.frames.length });
      });
      await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(1), {
        timeout: 8000,
        interval: 50,
      });
      direct.close();
      expect(received[0]!.published).toBe(1); // the camera had published one frame, not yet a second
      expect(received[0]!.frame.equals(direct.frames[0]!)).toBe(true);
      expect(frameNumber(received[0]!.frame)).toBe(0);
    });

    test('a stream stays open through 2 minutes of a camera sending nothing (nginx would cut it at 60 s)', async () => {
      // The emulated camera at its slowest (one frame every 100 s) publishes its first frame at once; then
      // the cam process is paused (SIGSTOP) for 125 s, longer than both that interval and nginx's default
      // proxy_read_timeout (60 s): nginx's upstream sends nothing at all. Once cam resumes, the same stream
      // must still be open and carry the camera's next frame.
      const cam = await startCam({ CAMERA: 'emulated', CAMERA_FPS: '0.01' });
      const nginx = await startNginx(cam.port);
      const viewer = watch(`http://127.0.0.1:${nginx.http}/video_feed`);
      await vi.waitFor(() => expect(viewer.frames).toHaveLength(1), { timeout: 10_000 });
      process.kill(cam.pid, 'SIGSTOP');
      onTestFinished(() => {
        process.kill(cam.pid, 'SIGCONT');
      });
      await new Promise((resolve) => setTimeout(resolve, 125_000));
      expect(viewer.error).toBeUndefined();
      process.kill(cam.pid, 'SIGCONT');
      // Its 100 s frame timer is long due: the second frame comes through the stream that stayed open.
      await vi.waitFor(() => expect(viewer.frames).toHaveLength(2), { timeout: 10_000, interval: 100 });
      expect(viewer.error).toBeUndefined();
      expect(await viewerCount(cam.port)).toBe(1);
      viewer.close();
    }, 180_000);
  },
);
