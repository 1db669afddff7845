import type { IncomingMessage, ServerResponse } from 'node:http';
import { advanceHeaderParts, type PartWriter, standardParts } from './part-writer.js';
import { readQuery } from './query.js';

/** Chromium, Chrome, Edge, Opera, Brave...: every Blink browser names Chrome in its User-Agent. */
const BLINK = /(Chrome|Chromium|CriOS|Edg)\//; // HeadlessChrome too

export interface ViewerSettings {
  /** The most frames per second this client wants (`?fps=N`), or undefined for the camera's rate. */
  fps: number | undefined;
  parts: PartWriter;
}

/**
 * What the request asks for: `?fps=N` caps this client's rate (0 < N <= 1000); `?advance_headers=1|0`
 * forces the browser layout on or off, which is otherwise chosen for Blink browsers by their
 * User-Agent. Answers 400 naming the parameter and returns undefined for a bad value.
 */
export function viewerSettings(req: IncomingMessage, res: ServerResponse): ViewerSettings | undefined {
  const query = readQuery(req, res, (read) => ({
    fps: read.number('fps', { above: 0, max: 1000 }),
    advance: read.choice('advance_headers', ['1', '0']),
  }));
  if (!query) return undefined;
  const useAdvance =
    query.advance === undefined ? BLINK.test(req.headers['user-agent'] ?? '') : query.advance === '1';
  return { fps: query.fps, parts: useAdvance ? advanceHeaderParts : standardParts };
}
