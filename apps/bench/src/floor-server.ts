// The floor: the least work a node:http server can do to fan one Motion-JPEG stream out, written for
// this benchmark only. One timer; per frame, one part header built once; per viewer, one corked write
// of the shared buffers, skipped while that viewer has not drained; no promise, no per-viewer state
// beyond the response. cam's figures are read against it.
//
// By default it sends exactly the response cam sends (HTTP/1.1 chunked encoding, each of the three
// buffers of a part one chunk), so that the ratio measures cam's machinery, not a protocol choice. With
// `raw` it writes the parts straight to the socket with no chunked encoding (the body ends when the
// connection does): the absolute floor for node:http, shown for scale.
import { createServer, type ServerResponse } from 'node:http';
import { FrameClock } from './frame-clock.js';
import { makeFrame, wallClock } from './frames.js';
import { runServerProcess, serverParams } from './server-process.js';

const params = serverParams();
const raw = params.raw === true;
const FIRST_DELIMITER = Buffer.from('--frame\r\n', 'latin1');
const PART_END = Buffer.from('\r\n--frame\r\n', 'latin1');

const viewers = new Set<ServerResponse>();
let header: Buffer | undefined;
let jpeg: Buffer | undefined;
let framesCaptured = 0;

function send(res: ServerResponse): void {
  const out = raw ? res.socket! : res;
  out.cork();
  out.write(header!);
  out.write(jpeg!);
  out.write(PART_END);
  out.uncork();
}

function drained(res: ServerResponse): boolean {
  return raw ? !res.socket!.writableNeedDrain : !res.writableNeedDrain;
}

const clock = new FrameClock(params.fps);
function tick(): void {
  framesCaptured += 1;
  jpeg = makeFrame({ seq: framesCaptured, capturedAt: wallClock() }, params.frameSize);
  header = Buffer.from(`Content-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`, 'latin1');
  for (const res of viewers) if (drained(res)) send(res);
  setTimeout(tick, clock.next());
}
setTimeout(tick, clock.next());

const server = createServer((_req, res) => {
  if (raw) res.useChunkedEncodingByDefault = false;
  res.writeHead(200, {
    'Content-Type': 'multipart/x-mixed-replace; boundary=frame',
    'Cache-Control': 'no-cache, no-store, must-revalidate, max-age=0',
    Connection: 'close',
  });
  if (raw) {
    res.flushHeaders();
    res.socket!.write(FIRST_DELIMITER);
  } else {
    res.write(FIRST_DELIMITER);
  }
  if (jpeg) send(res); // a new viewer gets the newest frame at once, as with cam
  viewers.add(res);
  res.once('close', () => viewers.delete(res));
});
await runServerProcess(server, params, () => ({ framesCaptured, viewers: viewers.size }));
