// The real app (createApp) on a real port, in this process, over cameras the test controls: the default
// emulated frames ("1", "2", "3", each its own colour) at a set rate, and a switch that makes a camera
// fail as an unplugged device does, then recover.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CameraError, type CameraOptions } from '@cam/core';
import { EmulatedCamera } from '@cam/driver-emulated';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import { type CameraEntry, createApp } from '../src/index.js';

/** An emulated camera that fails while `unplugged` is set, with the message an unplugged camera gives. */
export class UnpluggableCamera extends EmulatedCamera {
  unplugged = false;

  constructor(id: string, fps: number, camera: CameraOptions = {}) {
    super({ fps }, { name: id, idleTimeout: 2000, retryInitialDelay: 200, retryMaxDelay: 500, ...camera });
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    for await (const frame of super.frames(signal)) {
      if (this.unplugged)
        throw new CameraError('DEVICE_NOT_FOUND', 'the camera was unplugged', { camera: this.name });
      yield frame;
    }
  }
}

export interface WebServer {
  url: string;
  cameras: UnpluggableCamera[];
}

/** Serves `count` cameras named cam-1, cam-2... (or the ids given) at `fps`; all closed when the test ends. */
export async function startWebServer(ids: readonly string[], fps: number): Promise<WebServer> {
  const cameras = ids.map((id) => new UnpluggableCamera(id, fps));
  const entries: CameraEntry[] = cameras.map((camera) => ({
    id: camera.name,
    driver: 'emulated',
    camera,
    maxViewers: undefined,
  }));
  const app = createApp(entries, pino({ level: 'silent' }), { allowedHosts: ['*'] });
  const server = createServer(app.listener);
  server.on('upgrade', app.upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    app.destroyStreams();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    app.close();
    await Promise.all(cameras.map((camera) => camera.close()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cameras };
}

export function cameraIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `cam-${i + 1}`);
}
