// The handler alone: BaseCamera (the synthetic driver) and createStreamHandler from @cam/http-mjpeg on a
// bare node:http server, in a process of its own so that its CPU and memory can be read from /proc.
// Every path streams. The shipped server (shipped-server.ts) is this plus express, its routes and middleware.
import { createServer } from 'node:http';
import { createStreamHandler } from '@cam/http-mjpeg';
import { runServerProcess, serverParams } from './server-process.js';
import { cameraStats, SyntheticCamera } from './synthetic-camera.js';

const params = serverParams();
const camera = new SyntheticCamera({
  fps: params.fps,
  frameSize: params.frameSize,
  idleTimeout: params.idleTimeout,
});
const server = createServer(createStreamHandler(camera, { maxUnsentBytes: params.maxUnsentBytes }));
await runServerProcess(server, params, () => cameraStats(camera));
