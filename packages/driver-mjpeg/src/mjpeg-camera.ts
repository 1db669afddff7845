import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BaseCamera, CameraError, type CameraOptions, delay, withHuffmanTables } from '@cam/core';
import { HttpAuth } from './http-auth.js';
import { GarbledStreamError, multipartFrames, type StreamProgress } from './multipart-frames.js';
import { DRIVER, describeUrl, type MjpegCameraOptions } from './options.js';
import { openUpstream } from './upstream.js';

/** A snapshot larger than this is refused: whatever it is, it is not one camera frame. */
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/**
 * Relays an upstream HTTP camera: a Motion-JPEG stream, read part by part, or a JPEG snapshot URL,
 * fetched `snapshotFps` times a second. The connection is opened when the camera starts and closed when
 * it stops; a refused, broken, ended or stalled upstream fails the run, and core retries it with backoff.
 * Frames pass through as they came, but for the standard Huffman tables added to a frame without any
 * (MJPEG from many USB webcams, relayed by mjpg-streamer and the like; Safari shows nothing without them).
 */
export class MjpegCamera extends BaseCamera {
  /** The upstream without credentials or query, as messages show it. */
  readonly upstream: string;
  readonly snapshotFps: number;
  readonly #url: URL;
  readonly #auth: HttpAuth;

  constructor(options: MjpegCameraOptions, camera: CameraOptions = {}) {
    const snapshotFps = options.snapshotFps ?? 2;
    super({
      name: DRIVER,
      ...camera,
      // A slow snapshot rate is no stall (as for the emulated camera).
      stallTimeout: camera.stallTimeout ?? Math.max(5000, 3000 / snapshotFps),
    });
    if (!(snapshotFps > 0 && snapshotFps <= 100)) {
      throw new TypeError(`snapshotFps must be from 0.01 to 100, got ${snapshotFps}`);
    }
    const url = new URL(options.url);
    const username = options.username ?? decodeURIComponent(url.username);
    const password = options.password ?? decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    this.#url = url;
    this.#auth = new HttpAuth(username || password ? { username, password } : undefined);
    this.upstream = describeUrl(url);
    this.snapshotFps = snapshotFps;
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    // One connection at a time, kept alive between snapshots; destroying the agent closes it.
    const agent = new (this.#url.protocol === 'https:' ? https : http).Agent({
      keepAlive: true,
      maxSockets: 1,
    });
    const request = { url: this.#url, auth: this.#auth, agent, signal, camera: this.name };
    try {
      const first = await openUpstream(request);
      if (first.kind === 'stream') {
        yield* this.#stream(first.response, first.boundary, signal);
        return;
      }
      yield await this.#snapshot(first.response);
      const interval = 1000 / this.snapshotFps;
      let due = Date.now() + interval;
      for (;;) {
        await delay(Math.max(0, due - Date.now()), signal);
        due = Math.max(due + interval, Date.now());
        const next = await openUpstream(request);
        if (next.kind !== 'snapshot') {
          next.response.destroy();
          throw this.#error('INVALID_FRAME', 'answered a snapshot request with a stream this time');
        }
        yield await this.#snapshot(next.response);
      }
    } finally {
      agent.destroy();
    }
  }

  async *#stream(
    response: IncomingMessage,
    boundary: string | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<Buffer> {
    const progress: StreamProgress = { frames: 0, pendingBytes: 0 };
    let cause: unknown;
    try {
      for await (const frame of multipartFrames(response, boundary, progress)) yield withHuffmanTables(frame);
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof GarbledStreamError) throw this.#error('INVALID_FRAME', error.message);
      cause = error; // the connection broke
    } finally {
      response.destroy();
    }
    const dropped = progress.pendingBytes
      ? `, in the middle of a frame (its first ${progress.pendingBytes} bytes were dropped)`
      : '';
    throw this.#error('SOURCE_ENDED', `closed the stream after ${progress.frames} frames${dropped}`, cause);
  }

  async #snapshot(response: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_SNAPSHOT_BYTES) {
          throw this.#error('INVALID_FRAME', `sent a snapshot larger than ${MAX_SNAPSHOT_BYTES} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if ((error as CameraError).code === 'INVALID_FRAME') throw error;
      throw this.#error('SOURCE_ENDED', `closed the connection in the middle of a snapshot`, error);
    } finally {
      response.destroy();
    }
    return withHuffmanTables(Buffer.concat(chunks, size));
  }

  #error(code: CameraError['code'], detail: string, cause?: unknown): CameraError {
    return new CameraError(code, `${this.upstream} ${detail}`, { camera: this.name, cause });
  }
}
