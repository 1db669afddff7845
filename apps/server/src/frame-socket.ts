import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { delay, type Frame, type Viewer } from '@cam/core';
import type { WebSocket, WebSocketServer } from 'ws';
import type { CameraEntry } from './cameras.js';

/** The path of the grid's frame channel. */
export const FRAME_SOCKET_PATH = '/api/frames';

// ws costs the process about 4 MiB once loaded: only a server whose web app is opened needs it.
const require = createRequire(import.meta.url);

/** The longest message a client may send. */
const MAX_MESSAGE_BYTES = 16 * 1024;
/** A tile that has not confirmed its last frame for this long is sent the newest anyway (a lost ack). */
const PAINT_TIMEOUT_MS = 2000;
/** How long a tile waits before asking a failed camera again, at least (the camera has its own backoff). */
const RETRY_FLOOR_MS = 500;

/**
 * What a client says, as JSON text messages:
 * - `{ "watch": { "<camera id>": <fps or 0 for the camera's rate>, ... } }`: the cameras whose frames it
 *   wants now (the tiles on screen in a visible tab); every camera not named stops at once;
 * - `{ "painted": "<camera id>" }`: the tile has shown the last frame it got: it may have the next.
 *
 * What it gets, as binary messages: one byte, the length of the camera id in bytes; the id in UTF-8; the
 * JPEG. Each camera has at most one frame in flight per client: a tile that has not painted its last
 * frame gets the newest one next, never a queue.
 */
interface ClientMessage {
  watch?: Record<string, number>;
  painted?: string;
}

/** One camera, watched by one client. */
interface Feed {
  readonly viewer: Viewer;
  fps: number;
  /** Resolved when the client has painted the frame in flight. */
  painted: (() => void) | undefined;
}

/**
 * The WebSocket that carries every grid tile's frames over one connection, so that a page of more than
 * six cameras works over HTTP/1.1 (a browser opens at most six connections per host). Each watched camera
 * is a core `Viewer` of its own, so tiles count as viewers and skip frames as any slow viewer does.
 */
export class FrameSocketServer {
  readonly #cameras: ReadonlyMap<string, CameraEntry>;
  /** Made (and ws loaded) on the first upgrade. */
  #server: WebSocketServer | undefined;
  #closed = false;

  constructor(entries: readonly CameraEntry[]) {
    this.#cameras = new Map(entries.map((entry) => [entry.id, entry]));
  }

  #webSocketServer(): WebSocketServer {
    if (this.#server) return this.#server;
    const { WebSocketServer } = require('ws') as typeof import('ws');
    const server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    // `shows` comes from handleUpgrade's emit: the cameras this connection's user may watch.
    server.on('connection', (socket: WebSocket, req: IncomingMessage, shows: (id: string) => boolean) =>
      this.#serve(socket, req, shows),
    );
    this.#server = server;
    return server;
  }

  /** Whether `req` asks for {@link FRAME_SOCKET_PATH}. */
  handles(req: IncomingMessage): boolean {
    return (req.url ?? '').split('?')[0] === FRAME_SOCKET_PATH;
  }

  /**
   * Takes an HTTP upgrade for {@link FRAME_SOCKET_PATH} (returns false for any other path). `shows` says
   * which cameras this client may watch (its user's): a watch for any other is ignored, like an unknown id.
   */
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    shows: (id: string) => boolean = () => true,
  ): boolean {
    if (!this.handles(req)) return false;
    if (!sameOrigin(req)) {
      // Browsers let any site open a WebSocket anywhere: another site's page must not read the cameras.
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    // The server's idle-connection timeout does not apply: the channel is quiet while no tile is shown.
    (socket as Socket).setTimeout?.(0);
    if (this.#closed) {
      // Shutting down: as ws answers an upgrade once its server is closed.
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    const server = this.#webSocketServer();
    server.handleUpgrade(req, socket, head, (ws) => server.emit('connection', ws, req, shows));
    return true;
  }

  /** Closes every client's connection. */
  close(): void {
    this.#closed = true;
    if (!this.#server) return;
    for (const client of this.#server.clients) client.terminate();
    this.#server.close();
  }

  #serve(socket: WebSocket, req: IncomingMessage, shows: (id: string) => boolean): void {
    const feeds = new Map<string, Feed>();
    const label = req.socket.remoteAddress ? `ws ${req.socket.remoteAddress}` : 'ws';
    const stop = (id: string) => {
      const feed = feeds.get(id);
      if (!feed) return;
      feeds.delete(id);
      feed.viewer.close();
      feed.painted?.();
    };
    socket.on('message', (data, isBinary) => {
      const message = isBinary ? undefined : parseMessage(data.toString());
      if (!message) {
        socket.close(1003, 'expected JSON: { "watch": { "<camera>": <fps> } } or { "painted": "<camera>" }');
        return;
      }
      if (message.painted !== undefined) {
        const feed = feeds.get(message.painted);
        feed?.painted?.();
        if (feed) feed.painted = undefined;
      }
      if (message.watch) {
        for (const id of [...feeds.keys()]) if (!(id in message.watch)) stop(id);
        for (const [id, fps] of Object.entries(message.watch)) {
          const entry = shows(id) ? this.#cameras.get(id) : undefined;
          if (!entry || typeof fps !== 'number' || !(fps >= 0)) continue;
          const feed = feeds.get(id);
          if (feed) feed.fps = fps;
          else {
            const added: Feed = { viewer: entry.camera.subscribe(label), fps, painted: undefined };
            feeds.set(id, added);
            void this.#pump(socket, id, added, () => feeds.get(id) === added);
          }
        }
      }
    });
    socket.on('close', () => {
      for (const id of [...feeds.keys()]) stop(id);
    });
    socket.on('error', () => socket.terminate()); // a protocol error from the client: its loss only
  }

  /** Sends one camera's frames to one client, one at a time, each once the last was painted. */
  async #pump(socket: WebSocket, id: string, feed: Feed, active: () => boolean): Promise<void> {
    const prefix = idPrefix(id);
    let lastSentAt = 0;
    while (active() && socket.readyState === socket.OPEN) {
      let frame: Frame;
      try {
        frame = await feed.viewer.next();
      } catch (error) {
        if ((error as { code?: unknown }).code === 'CAMERA_CLOSED' || !active()) return;
        // The camera failed: the tile shows why from /api/events; ask again after the camera's backoff.
        const retryAt = this.#cameras.get(id)?.camera.state.retryAt ?? 0;
        await delay(Math.max(RETRY_FLOOR_MS, retryAt - Date.now()));
        continue;
      }
      if (!active()) return;
      const interval = feed.fps > 0 ? 1000 / feed.fps : 0;
      const wait = lastSentAt + interval - Date.now();
      if (wait > 0) {
        // Too early for this tile's rate: the newest frame after the wait, not this one.
        await delay(wait);
        continue;
      }
      lastSentAt = Date.now();
      const painted = new Promise<void>((resolve) => {
        feed.painted = resolve;
      });
      socket.send(Buffer.concat([prefix, frame.data]), { binary: true });
      feed.viewer.countSent(prefix.length + frame.data.length);
      await Promise.race([painted, delay(PAINT_TIMEOUT_MS)]);
    }
  }
}

/** True without an `Origin` (not a browser), or when the page's origin is this server's own host. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function idPrefix(id: string): Buffer {
  const bytes = Buffer.from(id, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]); // ids are at most 64 characters
}

function parseMessage(text: string): ClientMessage | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const { watch, painted } = value as Record<string, unknown>;
    if (watch !== undefined && (typeof watch !== 'object' || watch === null || Array.isArray(watch))) {
      return undefined;
    }
    if (painted !== undefined && typeof painted !== 'string') return undefined;
    return value as ClientMessage;
  } catch {
    return undefined;
  }
}
