import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type RequestHandler, viewerSettings } from '@cam/http-mjpeg';
import type express from 'express';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { CameraEntry } from './cameras.js';
import { sendJsonError } from './json-errors.js';
import { PlaybackStream } from './playback-stream.js';
import type { StreamTracker } from './stream-tracker.js';
import { BadParameter, parseRange, parseSpeed, parseTime, queryParameters } from './time-query.js';

/** `?from` when a listing does not say: the last 24 hours. */
const DEFAULT_LIST_SPAN_MS = 24 * 3600_000;

/**
 * The stream route with `?at=<ISO time | -30s>[&speed=N]`: recorded frames from that time, then live
 * (see {@link PlaybackStream}). Without `at`, or with a time not in the past, it is the live stream.
 */
export function withPlayback(
  entry: CameraEntry,
  live: RequestHandler,
  streams: StreamTracker,
  logger: Logger,
): RequestHandler {
  return (req, res) => {
    const query = queryParameters(req);
    const atValue = query.get('at');
    if (atValue === undefined) return live(req, res);
    const now = Date.now();
    let at: number;
    let speed: number;
    try {
      at = parseTime('at', atValue, now);
      speed = parseSpeed(query.get('speed'));
    } catch (error) {
      return answerBadParameter(res, error);
    }
    if (at >= now) return live(req, res);
    if (!entry.recorder && !entry.replay) return sendNoRecording(res, entry);
    const settings = viewerSettings(req, res);
    if (!settings) return;
    let viewer: ReturnType<CameraEntry['camera']['subscribe']>;
    try {
      viewer = entry.camera.subscribe(req.socket.remoteAddress);
    } catch {
      return sendJsonError(res, 503, 'CAMERA_CLOSED', `camera "${entry.id}" is shutting down`);
    }
    streams.track(entry.id, res, viewer);
    const playback = new PlaybackStream(entry, viewer, req, res, { at, speed, ...settings }, logger);
    void playback.run();
  };
}

/** The snapshot route with `?at=`: the frame captured nearest that time, from memory or the recording. */
export function withSnapshotAt(entry: CameraEntry, live: RequestHandler): RequestHandler {
  return (req, res) => {
    const atValue = queryParameters(req).get('at');
    if (atValue === undefined) return live(req, res);
    let at: number;
    try {
      at = parseTime('at', atValue, Date.now());
    } catch (error) {
      return answerBadParameter(res, error);
    }
    void snapshotAt(entry, at, req, res);
  };
}

async function snapshotAt(entry: CameraEntry, at: number, req: IncomingMessage, res: ServerResponse) {
  const { replay, recorder } = entry;
  let frame: { capturedAt: number; data: Buffer } | undefined =
    replay?.oldest !== undefined && replay.oldest <= at ? replay.frameAt(at) : undefined;
  try {
    frame ??= (await recorder?.index.frameAt(at)) ?? replay?.frameAt(at);
  } catch {
    return sendJsonError(res, 500, 'INTERNAL_ERROR', 'the recording could not be read');
  }
  if (!frame) return sendNoRecording(res, entry);
  res.writeHead(200, {
    'Content-Type': 'image/jpeg',
    'Content-Length': frame.data.length,
    'Cache-Control': 'no-cache',
    'X-Captured-At': new Date(frame.capturedAt).toISOString(),
  });
  res.end(req.method === 'HEAD' ? undefined : frame.data);
}

/**
 * `GET /api/cameras/:id/recordings?from&to` (what is recorded: segments, gaps, the replay buffer's span)
 * and `GET /cameras/:id/recordings/export?from&to` (one Matroska file, streamed without re-encoding).
 */
export function recordingRoutes(
  newRouter: typeof express.Router,
  find: (id: string) => CameraEntry | undefined,
  unknownCamera: (res: ServerResponse, id: string) => void,
  logger: Logger,
): Router {
  const router = newRouter();
  router.get('/api/cameras/:id/recordings', (req, res, next) => {
    const entry = find(req.params.id);
    if (!entry) return unknownCamera(res, req.params.id);
    let range: { from: number; to: number };
    try {
      range = parseRange(queryParameters(req), Date.now(), DEFAULT_LIST_SPAN_MS);
    } catch (error) {
      return answerBadParameter(res, error);
    }
    listing(entry, range.from, range.to).then(
      (body) => res.set('Cache-Control', 'no-cache').json(body),
      next,
    );
  });
  router.get('/cameras/:id/recordings/export', (req, res, next) => {
    const entry = find(req.params.id);
    if (!entry) return unknownCamera(res, req.params.id);
    const query = queryParameters(req);
    let range: { from: number; to: number };
    try {
      if (!query.has('from'))
        throw new BadParameter('from', 'parameter "from" is required: the start of the range');
      range = parseRange(query, Date.now(), 0);
    } catch (error) {
      return answerBadParameter(res, error);
    }
    if (!entry.recorder) return sendNoRecording(res, entry);
    exportRange(entry, range.from, range.to, req, res, logger).catch(next);
  });
  return router;
}

async function listing(entry: CameraEntry, from: number, to: number) {
  const { recorder, replay } = entry;
  const found = recorder ? await recorder.index.list(from, to) : { segments: [], gaps: [] };
  const segments = found.segments.map((segment) => ({
    startTime: iso(segment.startTime),
    endTime: iso(segment.endTime),
    bytes: segment.bytes,
    recording: segment.recording,
  }));
  const gaps = found.gaps.map((gap) => ({ startTime: iso(gap.startTime), endTime: iso(gap.endTime) }));
  const newest = entry.camera.latestFrame?.capturedAt;
  const replaySpan =
    replay?.oldest !== undefined && newest !== undefined ? { from: replay.oldest, to: newest } : undefined;
  const starts = [found.segments[0]?.startTime, replaySpan?.from].filter((time) => time !== undefined);
  const ends = [found.segments.at(-1)?.endTime, replaySpan?.to].filter((time) => time !== undefined);
  return {
    camera: entry.id,
    from: iso(from),
    to: iso(to),
    segments,
    gaps,
    replay: replaySpan ? { from: iso(replaySpan.from), to: iso(replaySpan.to) } : null,
    // What a timeline can seek in: the recorded segments and the frames in memory, together.
    span: starts.length ? { from: iso(Math.min(...starts)), to: iso(Math.max(...ends)) } : null,
  };
}

/** Streams the export; the first chunk is read before the headers, so that an empty range is a 404. */
async function exportRange(
  entry: CameraEntry,
  from: number,
  to: number,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const chunks = entry.recorder!.index.export(from, to)[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer>;
  try {
    first = await chunks.next();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'NO_RECORDING') {
      return sendJsonError(res, 404, 'NO_RECORDING', `camera "${entry.id}": ${(error as Error).message}`);
    }
    throw error;
  }
  const name = `${entry.id}-${iso(from).replaceAll(':', '-')}.mkv`;
  res.writeHead(200, {
    'Content-Type': 'video/x-matroska',
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    await chunks.return?.();
    res.end();
    return;
  }
  async function* all() {
    if (!first.done) yield first.value;
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      yield next.value;
    }
  }
  try {
    await pipeline(Readable.from(all()), res);
  } catch (error) {
    // A client that leaves mid-download is not an error; a read failure cuts the download (the status is sent).
    if (!res.destroyed || (error as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      logger.warn({ err: error, camera: entry.id }, 'an export failed');
    }
    res.destroy();
  }
}

function sendNoRecording(res: ServerResponse, entry: CameraEntry): void {
  const message = entry.recorder
    ? `camera "${entry.id}" has no recording at that time`
    : entry.replay
      ? `camera "${entry.id}" has nothing at that time in memory (replaySeconds) and does not record`
      : `camera "${entry.id}" neither records nor keeps a replay: set "record" or "replaySeconds" in its config`;
  sendJsonError(res, 404, 'NO_RECORDING', message);
}

function answerBadParameter(res: ServerResponse, error: unknown): void {
  if (!(error instanceof BadParameter)) throw error;
  const body = JSON.stringify({
    error: { code: 'BAD_PARAMETER', parameter: error.parameter, message: error.message },
  });
  res.writeHead(400, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
