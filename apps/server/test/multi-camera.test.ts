// Several cameras in one process, over real sockets: each camera's own stream and snapshot routes, the
// default camera behind the original routes and mjpg-streamer's, and JSON errors for unknown cameras and
// bad parameters.
import { describe, expect, test } from 'vitest';
import {
  BACK_LABELS,
  FRAME_FILES,
  frameNumber,
  getJson,
  isWholeJpeg,
  jpegLabel,
  type MjpegStream,
  openStream,
  sleep,
  startServer,
  startTwoCameras,
} from './helpers.js';

/** Asserts `stream` is a 200 Motion-JPEG response whose parts are all whole JPEGs. */
function expectMjpeg(stream: MjpegStream): void {
  expect(stream.response.statusCode).toBe(200);
  expect(stream.response.headers['content-type']).toBe('multipart/x-mixed-replace; boundary=frame');
  expect(stream.parseError).toBeUndefined();
  for (const part of stream.parts) {
    expect(part.headers['content-type']).toBe('image/jpeg');
    expect(isWholeJpeg(part.body)).toBe(true);
  }
}

/** Which camera a frame is from: `front N` for the default frames, the label for `back`'s. */
function whichFrame(jpeg: Buffer): string | undefined {
  const number = frameNumber(jpeg);
  return number === undefined ? jpegLabel(jpeg) : `front ${number}`;
}

/** Asserts the frames are the camera's loop in order, each once: `front 1, front 2, front 3, front 1...`. */
function expectLoop(frames: (string | undefined)[], loop: readonly string[]): void {
  const start = loop.indexOf(frames[0]!);
  expect(start, `first frame ${frames[0]} is one of ${loop.join(', ')}`).toBeGreaterThanOrEqual(0);
  expect(frames).toEqual(frames.map((_, i) => loop[(start + i) % loop.length]));
}

const FRONT_LOOP = ['front 1', 'front 2', 'front 3'];

describe('several cameras', () => {
  test('each camera streams its own frames at its own rate on /cameras/:id/stream', async () => {
    const { proc, port } = await startTwoCameras({ frontFps: 10, backFps: 5 });
    const front = await openStream(port, '/cameras/front/stream');
    const back = await openStream(port, '/cameras/back/stream');
    await Promise.all([front.waitForParts(1), back.waitForParts(1)]);
    const frontFrom = front.parts.length;
    const backFrom = back.parts.length;
    const from = Date.now();
    await sleep(2000);
    const frontCount = front.parts.length - frontFrom;
    const backCount = back.parts.length - backFrom;
    // Upper bounds against the time that really passed (a loaded machine sleeps longer than asked).
    const seconds = (Date.now() - from) / 1000;
    expectMjpeg(front);
    expectMjpeg(back);

    // Each stream shows its own camera's files, in its loop order, none twice.
    expectLoop(
      front.parts.map((part) => whichFrame(part.body)),
      FRONT_LOOP,
    );
    expectLoop(
      back.parts.map((part) => whichFrame(part.body)),
      BACK_LABELS,
    );
    // 2 s at 10 fps and at 5 fps.
    expect(frontCount, 'front frames in 2 s').toBeGreaterThanOrEqual(16);
    expect(frontCount).toBeLessThanOrEqual(Math.ceil(10 * seconds) + 3);
    expect(backCount, 'back frames in 2 s').toBeGreaterThanOrEqual(8);
    expect(backCount).toBeLessThanOrEqual(Math.ceil(5 * seconds) + 2);

    // One start per camera, each logged with its id.
    expect(proc.find({ msg: 'camera started' }).map((line) => line.camera)).toEqual(
      expect.arrayContaining(['front', 'back']),
    );
    expect(proc.find({ msg: 'camera started' })).toHaveLength(2);
  });

  test('one camera stopping leaves the other streaming', { timeout: 15_000 }, async () => {
    const { proc, port } = await startTwoCameras({ frontFps: 10, backFps: 5, idleTimeout: 1 });
    const front = await openStream(port, '/cameras/front/stream');
    const back = await openStream(port, '/cameras/back/stream');
    await Promise.all([front.waitForParts(3), back.waitForParts(3)]);

    back.close();
    const stopped = await proc.waitForLog({ msg: 'camera stopped', camera: 'back' }, { timeout: 5000 });
    expect(stopped.reason).toBe('idle');
    // The front viewer still gets frames, and its camera never stopped.
    const before = front.parts.length;
    await front.waitForParts(before + 5, 3000);
    expect(proc.find({ msg: 'camera stopped', camera: 'front' })).toEqual([]);
    expectLoop(
      front.parts.map((part) => whichFrame(part.body)),
      FRONT_LOOP,
    );
  });

  test('/cameras/:id/snapshot.jpg answers one JPEG of that camera', async () => {
    const { url } = await startTwoCameras();
    for (const [id, isOwn] of [
      ['front', (jpeg: Buffer) => FRAME_FILES.some((file) => file.equals(jpeg))],
      ['back', (jpeg: Buffer) => BACK_LABELS.includes(jpegLabel(jpeg) as (typeof BACK_LABELS)[number])],
    ] as const) {
      const res = await fetch(`${url}/cameras/${id}/snapshot.jpg`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(res.headers.get('cache-control')).toMatch(/no-cache/);
      const body = Buffer.from(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(body.length);
      expect(isWholeJpeg(body)).toBe(true);
      expect(isOwn(body), `${id} snapshot is its own frame: ${whichFrame(body)}`).toBe(true);
    }
  });
});

describe('the default camera (the first in the file)', () => {
  test.each(['/video_feed', '/?action=stream'])('%s streams it', async (path) => {
    const { port, url } = await startTwoCameras();
    const stream = await openStream(port, path);
    await stream.waitForParts(4);
    expectMjpeg(stream);
    expectLoop(
      stream.parts.map((part) => whichFrame(part.body)),
      FRONT_LOOP,
    );
    // It is the front camera's viewer, not the back's.
    const { body } = await getJson(`${url}/api/cameras`);
    const viewers = Object.fromEntries(
      body.cameras.map((camera: { id: string; viewers: unknown[] }) => [camera.id, camera.viewers.length]),
    );
    expect(viewers).toEqual({ front: 1, back: 0 });
  });

  test.each(['/snapshot.jpg', '/?action=snapshot'])('%s is its snapshot', async (path) => {
    const { url } = await startTwoCameras();
    const res = await fetch(`${url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const body = Buffer.from(await res.arrayBuffer());
    expect(frameNumber(body), `a front frame, got ${whichFrame(body)}`).toBeDefined();
  });

  test("/ is the grid of every camera, the default first; each camera's page has its <img> stream", async () => {
    const { url } = await startTwoCameras();
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const home = await res.text();
    const tiles = [...home.matchAll(/<a class="tile" href="([^"]+)"/g)].map((match) => match[1]);
    expect(tiles).toEqual(['cameras/front', 'cameras/back']);
    for (const id of ['front', 'back']) {
      const pageUrl = new URL(`/cameras/${id}`, url);
      const html = await (await fetch(pageUrl)).text();
      expect(html).toContain(`cam: ${id}`);
      const src = /<img\b[^>]*\bsrc="([^"]+)"/.exec(html)?.[1];
      expect(src, 'an <img src=...> in the page').toBeDefined();
      expect(new URL(src!, pageUrl).pathname).toBe(`/cameras/${id}/stream`);
    }
    expect((await fetch(`${url}/cameras/nope`)).status).toBe(404);
  });

  test('without a config file the environment camera is the default, and has its own routes too', async () => {
    const { port, url } = await startServer({ CAMERA_FPS: '10' });
    const { body } = await getJson(`${url}/api/cameras`);
    expect(body.cameras.map((camera: { id: string }) => camera.id)).toEqual(['emulated']);
    const stream = await openStream(port, '/cameras/emulated/stream');
    await stream.waitForParts(2);
    expectMjpeg(stream);
    const snapshot = await fetch(`${url}/cameras/emulated/snapshot.jpg`);
    expect(frameNumber(Buffer.from(await snapshot.arrayBuffer()))).toBeDefined();
  });
});

describe('errors as JSON', () => {
  test.each([
    ['/?action=bogus', '"bogus"'],
    ['/?action=', '""'],
    ['/?action=STREAM', '"STREAM"'],
    ['/?action=stream&action=snapshot', '["stream","snapshot"]'],
  ])('%s is a 400 naming the parameter "action"', async (path, got) => {
    const { url } = await startTwoCameras();
    const { status, headers, body } = await getJson(`${url}${path}`);
    expect(status).toBe(400);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({
      error: {
        code: 'BAD_PARAMETER',
        parameter: 'action',
        message: `parameter "action" must be stream or snapshot, got ${got}`,
      },
    });
  });

  test.each(['/cameras/nope/stream', '/cameras/nope/snapshot.jpg', '/api/cameras/nope'])(
    '%s is a 404 UNKNOWN_CAMERA that lists the cameras',
    async (path) => {
      const { proc, url } = await startTwoCameras();
      const { status, body } = await getJson(`${url}${path}`);
      expect(status).toBe(404);
      expect(body).toEqual({
        error: { code: 'UNKNOWN_CAMERA', message: 'no camera "nope" (cameras: front, back)' },
      });
      expect(proc.find({ msg: 'camera started' }), 'no camera started for it').toEqual([]);
    },
  );

  test('the camera id is matched exactly: /cameras/FRONT/stream is unknown', async () => {
    const { url } = await startTwoCameras();
    const { status, body } = await getJson(`${url}/cameras/FRONT/stream`);
    expect(status).toBe(404);
    expect(body.error.code).toBe('UNKNOWN_CAMERA');
  });
});
