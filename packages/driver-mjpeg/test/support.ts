import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testJpeg } from '@cam/core/testing';
import { onTestFinished } from 'vitest';

/** Three distinct real JPEGs, one large enough to span many socket chunks. */
export const FRAMES: readonly Buffer[] = [testJpeg(1), testJpeg(2, 200_000), testJpeg(3)];

export interface Upstream {
  url: string;
  /** Requests received so far. */
  requests: IncomingMessage[];
  /** Requests whose connection is still open. */
  readonly open: number;
}

/**
 * Starts a node:http server on 127.0.0.1 for the current test and closes it (and every connection) when
 * the test finishes.
 */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  path = '/stream',
): Promise<Upstream> {
  const requests: IncomingMessage[] = [];
  let open = 0;
  const server = createServer((req, res) => {
    requests.push(req);
    open += 1;
    res.once('close', () => {
      open -= 1;
    });
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    get open() {
      return open;
    },
  };
}

export interface PartStyle {
  /** The boundary as the Content-Type declares it (already quoted if it should be). */
  declared: string;
  /** The boundary as the delimiters spell it. */
  boundary: string;
  eol: '\r\n' | '\n';
  contentLength: boolean;
}

export const CAM_STYLE: PartStyle = {
  declared: 'frame',
  boundary: 'frame',
  eol: '\r\n',
  contentLength: true,
};

/** One part's bytes: delimiter, headers, blank line, JPEG, line end. */
export function part(frame: Buffer, style: PartStyle): Buffer {
  const { eol } = style;
  const length = style.contentLength ? `Content-Length: ${frame.length}${eol}` : '';
  const head = `--${style.boundary}${eol}Content-Type: image/jpeg${eol}${length}${eol}`;
  return Buffer.concat([Buffer.from(head, 'latin1'), frame, Buffer.from(eol, 'latin1')]);
}

/**
 * A handler that streams `frames` (by default FRAMES) in turn every `interval` ms in the given style until
 * the client leaves, writing each part in three pieces (cut inside the JPEG) so that the reader must join
 * them.
 */
export function streamFrames(style: PartStyle, interval = 20, frames: readonly Buffer[] = FRAMES) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': `multipart/x-mixed-replace; boundary=${style.declared}` });
    let index = 0;
    const timer = setInterval(() => {
      const bytes = part(frames[index++ % frames.length]!, style);
      const third = Math.floor(bytes.length / 3);
      res.write(bytes.subarray(0, third));
      res.write(bytes.subarray(third, 2 * third));
      res.write(bytes.subarray(2 * third));
    }, interval);
    res.once('close', () => clearInterval(timer));
  };
}

/** Which of FRAMES `frame` is, byte for byte; -1 when it is none of them (a garbled frame). */
export function frameIndex(frame: Buffer): number {
  return FRAMES.findIndex((sent) => sent.equals(frame));
}
