// The server under test: cam's own stack — BaseCamera (the synthetic driver below) and
// createStreamHandler from @cam/http-mjpeg — on a node:http server, in a process of its own so that
// its CPU and memory can be read from /proc. Every path streams.
import { createServer } from 'node:http';
import { createStreamHandler } from '@cam/http-mjpeg';
import { runServerProcess, serverParams } from './server-process.js';
import { SyntheticCamera } from './synthetic-camera.js';

const params = serverParams();
const camera = new SyntheticCamera({
  fps: params.fps,
  frameSize: params.frameSize,
  idleTimeout: params.idleTimeout,
});
let stops = 0;
let framesAtLastStop: number | undefined;
let lastStopAt: number | undefined;
camera.on('stop', () => {
  stops += 1;
  framesAtLastStop = camera.state.framesCaptured;
  lastStopAt = Date.now();
});

const server = createServer(createStreamHandler(camera));
await runServerProcess(server, params, () => {
  const state = camera.state;
  return {
    status: state.status,
    viewers: state.viewers,
    framesCaptured: state.framesCaptured,
    stops,
    framesAtLastStop,
    lastStopAt,
  };
});
