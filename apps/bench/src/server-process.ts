import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { serveCalls } from './ipc.js';

/** What the main process passes to a server process, as JSON in argv[2]. */
export interface ServerParams {
  fps: number;
  frameSize: number;
  /** The camera's idle timeout (ms); cam only. */
  idleTimeout: number;
  /** The floor only: write straight to the socket, without HTTP chunked encoding. */
  raw?: boolean;
  /** The address to listen on (default 127.0.0.1). */
  host?: string;
  /** The handler only: its `maxUnsentBytes` option (TCP_NOTSENT_LOWAT; 0: the system's). */
  maxUnsentBytes?: number;
}

export interface ServerInfo {
  port: number;
}

export interface QueueSample {
  /** Connections seen while sampling. */
  sockets: number;
  /** The most bytes one connection had queued in this process (not yet taken by the kernel). */
  maxQueuedBytes: number;
  /** The most bytes all connections together had queued in this process at one sample. */
  maxTotalQueuedBytes: number;
}

export interface ServerStats {
  connections: number;
  memory: NodeJS.MemoryUsage;
  queues: QueueSample;
  [key: string]: unknown;
}

export function serverParams(): ServerParams {
  return JSON.parse(process.argv[2] ?? '{}') as ServerParams;
}

/**
 * Runs `server` as a benchmark server process: listens on `params.host` (default loopback),
 * then serves the main process's calls (see {@link serveServerCalls}).
 */
export async function runServerProcess(
  server: Server,
  params: ServerParams,
  extraStats: () => Record<string, unknown>,
): Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, params.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  serveServerCalls(sockets, { port }, extraStats);
}

/**
 * Tells the main process the server's port, and answers its calls: `stats` (with `extraStats()`),
 * `sampleQueues` (how much each connection in `sockets` has queued in this process, sampled every 50 ms
 * until the next `stats`), `gc`.
 */
export function serveServerCalls(
  sockets: ReadonlySet<Socket>,
  info: ServerInfo,
  extraStats: () => Record<string, unknown>,
): void {
  let sampler: NodeJS.Timeout | undefined;
  let queues: QueueSample = { sockets: 0, maxQueuedBytes: 0, maxTotalQueuedBytes: 0 };
  const seen = new WeakSet<Socket>();
  const sample = () => {
    let total = 0;
    for (const socket of sockets) {
      if (!seen.has(socket)) {
        seen.add(socket);
        queues.sockets += 1;
      }
      const queued = socket.writableLength;
      total += queued;
      if (queued > queues.maxQueuedBytes) queues.maxQueuedBytes = queued;
    }
    if (total > queues.maxTotalQueuedBytes) queues.maxTotalQueuedBytes = total;
  };

  serveCalls(
    {
      stats: (): ServerStats => {
        if (sampler) sample();
        return { connections: sockets.size, memory: process.memoryUsage(), queues, ...extraStats() };
      },
      sampleQueues: () => {
        clearInterval(sampler);
        queues = { sockets: 0, maxQueuedBytes: 0, maxTotalQueuedBytes: 0 };
        sampler = setInterval(sample, 50);
      },
      gc: () => {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (!gc) throw new Error('start the server with --expose-gc');
        gc();
        return process.memoryUsage();
      },
    },
    info,
  );
}
