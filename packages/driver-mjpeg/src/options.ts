import { type RawOptions, readOptions } from '@cam/core';

export const DRIVER = 'mjpeg';

export interface MjpegCameraOptions {
  /**
   * The upstream: an `http://` or `https://` URL of a Motion-JPEG stream (`multipart/x-mixed-replace`) or
   * of a JPEG snapshot (`image/jpeg`), which is then fetched `snapshotFps` times a second. It may hold
   * credentials (`http://user:password@host/...`); `username` and `password` win over them.
   */
  url: string;
  /** For Basic or Digest authentication, whichever the upstream asks for. */
  username?: string;
  password?: string;
  /** How often to fetch a snapshot URL (frames per second). Default 2; unused for a stream. */
  snapshotFps?: number;
}

/** The upstream's address for messages: no credentials, no query (IP cameras often put passwords there). */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Validates options from the environment (`CAMERA_URL`, `CAMERA_USERNAME`, `CAMERA_PASSWORD`,
 * `CAMERA_SNAPSHOT_FPS`) or from code. Throws `INVALID_OPTION` naming the option; a refused URL is shown
 * without its credentials.
 */
export function parseMjpegOptions(raw: RawOptions): MjpegCameraOptions {
  const read = readOptions(raw, DRIVER);
  const accepts = 'an http:// or https:// URL of a Motion-JPEG stream or a JPEG snapshot';
  const text = read.value('url');
  if (typeof text !== 'string' || text.trim() === '') throw read.invalid('url', accepts, text);
  let url: URL | undefined;
  try {
    url = new URL(text.trim());
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw read.invalid('url', accepts, url ? describeUrl(url) : '(not a URL)');
  }
  const options: MjpegCameraOptions = {
    url: url.href,
    username: read.string('username'),
    password: read.string('password'),
    snapshotFps: read.number('snapshotFps', { min: 0.01, max: 100 }),
  };
  read.done();
  for (const name of ['username', 'password', 'snapshotFps'] as const) {
    if (options[name] === undefined) delete options[name];
  }
  return options;
}
