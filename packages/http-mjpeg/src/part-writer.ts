import type { ServerResponse } from 'node:http';
import type { Frame } from '@cam/core';
import { BOUNDARY, CLOSE_DELIMITER, FIRST_DELIMITER, PART_END, wholePart } from './multipart.js';

/**
 * How one client's parts are laid out. Both write each frame's bytes followed at once by what lets the
 * client finish the part; they differ in what that takes.
 */
export interface PartWriter {
  /** Written once, before the first frame. */
  open(res: ServerResponse): void;
  /** Writes one frame's part; returns the bytes written. */
  frame(res: ServerResponse, frame: Frame): number;
  /** Ends the stream on purpose. */
  close(res: ServerResponse): void;
}

/**
 * Writes `data` straight to the stream's socket, which hands it to the kernel at once (libuv tries the
 * write before queueing what the kernel refuses). The response is only the stream's head: `open()` writes
 * the first delimiter through `res`, which sends the status line and headers with it, and from then on
 * the body is close-delimited bytes that need nothing of `http`'s per-write work (a cork, an uncork on
 * the next tick, header and length checks, for every part of every viewer: apps/bench measured the
 * difference). Whether the socket is backed up, and when it drains, is then the socket's to say
 * (drained.ts). A socket the client has left takes nothing: the stream sees `res` close and stops.
 */
function writeNow(res: ServerResponse, data: Buffer): void {
  const socket = res.socket;
  if (socket?.writable) socket.write(data);
}

/**
 * Every part with `Content-Type` and `Content-Length`, the delimiter right after the bytes: what every
 * MJPEG client (ffmpeg, VLC, OctoPrint, Firefox) reads. One write of one shared buffer per frame.
 */
export const standardParts: PartWriter = {
  open: (res) => res.write(FIRST_DELIMITER),
  frame(res, frame) {
    const part = wholePart(frame); // built once per frame, shared by every viewer
    writeNow(res, part);
    return part.length;
  },
  close: (res) => res.end(CLOSE_DELIMITER),
};

/** The next part's headers, sent ahead: they cannot hold a Content-Length, which is not known yet. */
const ADVANCE_HEADERS = Buffer.from('Content-Type: image/jpeg\r\n\r\n', 'latin1');
const ADVANCE_PART_END = Buffer.concat([PART_END, ADVANCE_HEADERS]);
const ADVANCE_CLOSE = Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'latin1');
/** Each frame's bytes and the next part's headers in one buffer, shared like {@link wholePart}'s. */
const advanceParts = new WeakMap<Frame, Buffer>();

/**
 * For Chromium and the browsers built on it, which paint a part only once the *next* part's headers
 * arrive (Chromium bug 527446): each frame is followed by the delimiter and the headers of the part to
 * come, so the browser paints the frame as soon as it has its bytes, at any frame rate, and the last
 * frame is shown even when no other follows. The parts have no Content-Length: the standard allows
 * that, and browsers find the end at the delimiter.
 */
export const advanceHeaderParts: PartWriter = {
  open(res) {
    res.cork();
    res.write(FIRST_DELIMITER);
    res.write(ADVANCE_HEADERS);
    res.uncork();
  },
  frame(res, frame) {
    let part = advanceParts.get(frame);
    if (!part) {
      part = Buffer.concat([frame.data, ADVANCE_PART_END]);
      advanceParts.set(frame, part);
    }
    writeNow(res, part);
    return part.length;
  },
  close: (res) => res.end(ADVANCE_CLOSE),
};
