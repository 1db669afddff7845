import type { IncomingMessage, ServerResponse } from 'node:http';
import { advanceHeaderParts, type PartWriter, standardParts } from './part-writer.js';
import { readQuery } from './query.js';

/**
 * The browser engines that paint a part only when the next part's headers arrive: Blink (Chrome,
 * Chromium, Edge, Opera, Brave, HeadlessChrome) and WebKit (Safari, WebKitGTK/Epiphany, every iOS
 * browser). Both name `AppleWebKit/` in their User-Agent; Blink's may also be stripped to `Chrome/`.
 * Gecko (Firefox) paints at the delimiter and, like ffmpeg, VLC and scripts, gets `Content-Length`.
 * Measured in WebKitGTK: 1 fps frames shown ~1015 ms late without advance headers, ~12 ms with them.
 */
const PAINTS_ON_NEXT_HEADERS = /AppleWebKit\/|(Chrome|Chromium|CriOS|Edg)\//;

export interface ViewerSettings {
  /** The most frames per second this client wants (`?fps=N`), or undefined for the camera's rate. */
  fps: number | undefined;
  parts: PartWriter;
}

/**
 * What the request asks for: `?fps=N` caps this client's rate (0 < N <= 1000); `?advance_headers=1|0`
 * forces the browser layout on or off, which is otherwise chosen for Blink and WebKit browsers by
 * their User-Agent. Answers 400 naming the parameter and returns undefined for a bad value.
 */
export function viewerSettings(req: IncomingMessage, res: ServerResponse): ViewerSettings | undefined {
  const query = readQuery(req, res, (read) => ({
    fps: read.number('fps', { above: 0, max: 1000 }),
    advance: read.choice('advance_headers', ['1', '0']),
  }));
  if (!query) return undefined;
  const useAdvance =
    query.advance === undefined
      ? PAINTS_ON_NEXT_HEADERS.test(req.headers['user-agent'] ?? '')
      : query.advance === '1';
  return { fps: query.fps, parts: useAdvance ? advanceHeaderParts : standardParts };
}
