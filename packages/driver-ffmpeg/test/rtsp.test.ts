import { isCameraError } from '@cam/core';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { FfmpegCamera, type FfmpegCameraOptions } from '../src/index.js';
import { startRtspSource } from './rtsp-source.js';
import { decodeJpegs, isRunning } from './support.js';

function camera(options: FfmpegCameraOptions): FfmpegCamera {
  const camera = new FfmpegCamera(options, {
    idleTimeout: 400,
    startTimeout: 15_000,
    retryInitialDelay: 100,
  });
  onTestFinished(() => camera.close());
  return camera;
}

describe('RTSP/H.264 sources', () => {
  test('an RTSP camera over TCP: JPEG frames that ffmpeg decodes, at the size asked; the child is gone after the idle stop', async () => {
    const source = await startRtspSource();
    const cam = camera({ input: source.url, rtspTransport: 'tcp', width: 160, fps: 10 });
    const viewer = cam.subscribe();
    const frames: Buffer[] = [];
    for (let i = 0; i < 5; i++) frames.push((await viewer.next()).data);
    const pid = cam.pid!;
    expect(isRunning(pid)).toBe(true);
    expect(cam.args).toContain('-rtsp_transport');
    const decoded = await decodeJpegs(frames);
    expect(decoded).toEqual({ frames: 5, width: 160, height: 120 });
    viewer.close();
    await vi.waitFor(() => expect(cam.state.status).toBe('idle'), { timeout: 10_000 });
    expect(isRunning(pid)).toBe(false);
    await vi.waitFor(() => expect(source.clients).toBe(0), { timeout: 5000 });
  });

  test('an RTSP camera over UDP: the RTP arrives as datagrams, and JPEG frames decode', async () => {
    const source = await startRtspSource();
    const cam = camera({ input: source.url, rtspTransport: 'udp', width: 160, fps: 10 });
    const viewer = cam.subscribe();
    const frames: Buffer[] = [];
    for (let i = 0; i < 5; i++) frames.push((await viewer.next()).data);
    expect(cam.args.join(' ')).toContain('-rtsp_transport udp');
    expect(source.udpClients).toBe(1); // it set up UDP, not interleaved TCP
    expect(await decodeJpegs(frames)).toEqual({ frames: 5, width: 160, height: 120 });
    viewer.close();
    await vi.waitFor(() => expect(cam.state.status).toBe('idle'), { timeout: 10_000 });
  });

  test('401 from the RTSP server: UNAUTHORIZED, with no password in the message; with credentials, frames', async () => {
    const credentials = { username: 'admin', password: 'Rtsp-Secret-1' };
    const source = await startRtspSource({ credentials });
    const wrong = source.url.replace('rtsp://', 'rtsp://admin:Wrong-Secret-2@');
    const refused = camera({ input: wrong, rtspTransport: 'tcp' });
    const error = await refused
      .subscribe()
      .next()
      .catch((e: unknown) => e);
    if (!isCameraError(error)) throw error;
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/401/);
    expect(`${error.message}${(error.cause as Error | undefined)?.message}`).not.toContain('Wrong-Secret-2');
    expect(refused.args.join(' ')).not.toContain('Wrong-Secret-2');

    const right = source.url.replace('rtsp://', `rtsp://admin:${credentials.password}@`);
    const frame = await camera({ input: right, rtspTransport: 'tcp' }).subscribe().next();
    expect((await decodeJpegs([frame.data])).frames).toBe(1);
  });

  test('an RTSP server that is not there: DEVICE_NOT_FOUND', async () => {
    const cam = camera({ input: 'rtsp://127.0.0.1:1/nothing', rtspTransport: 'tcp' });
    const error = await cam
      .subscribe()
      .next()
      .catch((e: unknown) => e);
    expect(isCameraError(error) && error.code).toBe('DEVICE_NOT_FOUND');
  });
});
