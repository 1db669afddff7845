// Loaded with `node --import` into the shipped server's own process (apps/server's dist/main.js, started
// as people start it, with a config file whose camera is the driver file bench-driver.js): answers the
// benchmark's calls (stats, queue sampling, gc) over the IPC channel once the server listens. It adds no code to the server's request or stream path: it only learns each connection from
// the `http.server.request.start` diagnostics channel, once per request.
import { subscribe } from 'node:diagnostics_channel';
import net, { type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchCameras } from './bench-driver.js';
import { serveServerCalls } from './server-process.js';
import { cameraStats } from './synthetic-camera.js';

const sockets = new Set<Socket>();
subscribe('http.server.request.start', (message) => {
  const { socket } = message as { socket: Socket };
  if (sockets.has(socket)) return;
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});

// Where the benchmark told the server to listen (scenarios.ts), read as the server reads it.
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the benchmark for this process only, never cached by turbo
const port = Number(process.env.PORT);
// biome-ignore lint/suspicious/noUndeclaredEnvVars: as PORT
const host = process.env.HOST ?? '127.0.0.1';

/** Resolves once something accepts connections on `port` (the server, after its cameras are set up). */
async function listening(): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const probe = net.connect({ port, host });
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
}

void listening().then(() =>
  serveServerCalls(sockets, { port }, () => (benchCameras[0] ? cameraStats(benchCameras[0]) : {})),
);
