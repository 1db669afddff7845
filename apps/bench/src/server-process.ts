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
  /**
   * Listen on this inherited file descriptor instead of a new socket on 127.0.0.1: a listening socket
   * made outside Node, with an SO_SNDBUF that every accepted connection inherits (see scenarios.ts).
   */
  fd?: number;
  /** The SO_SNDBUF asked for on that socket (bytes; the kernel doubles it), for the record. */
  sendBuffer?: number;
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
 * Runs `server` as a benchmark server process: listens on loopback, tells the main process its port,
 * and answers its calls: `stats` (with `extraStats()`), `sampleQueues` (how much each connection has
 * queued in this process, sampled every 50 ms until the next `stats`), `gc`.
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (params.fd !== undefined) server.listen({ fd: params.fd }, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

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
    { port } satisfies ServerInfo,
  );
}
