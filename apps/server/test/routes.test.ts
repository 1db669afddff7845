// The routes of the original design, served by the real server process and read over real sockets.
import { describe, expect, test } from 'vitest';
import { FRAME_FILES, frameNumber, isWholeJpeg, openStream, startServer } from './helpers.js';

describe('routes', () => {
  test("/ is the grid, linking to the camera's page, whose <img> shows the stream", async () => {
    const { url } = await startServer();
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const home = await res.text();
    const link = /<a class="tile" href="([^"]+)"/.exec(home)?.[1];
    expect(link, 'a tile linking to the camera').toBe('cameras/emulated');

    const page = await fetch(new URL(link!, `${url}/`));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const pageUrl = new URL(link!, `${url}/`);
    const src = /<img\b[^>]*\bsrc="([^"]+)"/.exec(await page.text())?.[1];
    expect(src, 'an <img src=...> in the page').toBeDefined();
    const streamUrl = new URL(src!, pageUrl);
    expect(streamUrl.pathname).toBe('/cameras/emulated/stream');

    // The src really is the stream.
    const controller = new AbortController();
    const stream = await fetch(streamUrl, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toBe('multipart/x-mixed-replace; boundary=frame');
    controller.abort();
  });

  test('/video_feed streams whole JPEGs to several parallel viewers, none twice', async () => {
    const { proc, port } = await startServer({ CAMERA_FPS: '10' });
    const viewers = await Promise.all([1, 2, 3, 4].map(() => openStream(port)));
    for (const viewer of viewers) {
      expect(viewer.response.statusCode).toBe(200);
      expect(viewer.response.headers['content-type']).toBe('multipart/x-mixed-replace; boundary=frame');
      expect(viewer.response.headers['cache-control']).toMatch(/no-cache/);
    }
    const received = await Promise.all(viewers.map((viewer) => viewer.waitForParts(6, 8000)));

    for (const [v, parts] of received.entries()) {
      const numbers = parts.map((part) => frameNumber(part.body));
      for (const part of parts) {
        expect(part.headers['content-type']).toBe('image/jpeg');
        expect(Number(part.headers['content-length'])).toBe(part.body.length);
        expect(isWholeJpeg(part.body), 'SOI ... EOI').toBe(true);
      }
      // Each part is one of the camera's frames, byte for byte.
      expect(numbers, `viewer ${v}`).not.toContain(undefined);
      // The camera loops 1, 2, 3: a frame delivered twice would show as the same image twice in a row.
      for (let i = 1; i < numbers.length; i++) {
        expect(numbers[i], `viewer ${v}, part ${i}: ${numbers.join(',')}`).not.toBe(numbers[i - 1]);
      }
    }
    expect(viewers.every((viewer) => viewer.parseError === undefined)).toBe(true);
    // One camera serves them all.
    expect(proc.find({ msg: 'camera started' })).toHaveLength(1);
    await proc.waitForLog({ msg: 'viewers changed', viewers: 4 });
  });

  test('/snapshot.jpg is one JPEG frame', async () => {
    const { url } = await startServer({ CAMERA_FPS: '10' });
    const res = await fetch(`${url}/snapshot.jpg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(isWholeJpeg(body)).toBe(true);
    expect(FRAME_FILES.some((file) => file.equals(body))).toBe(true);
  });

  test.each([
    ['GET', '/nope'],
    ['GET', '/video_feed/extra'],
    ['POST', '/video_feed'],
  ])('%s %s is a 404 with a JSON error', async (method, path) => {
    const { url } = await startServer();
    const res = await fetch(`${url}${path}`, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: { code: 'NOT_FOUND', message: `no route for ${method} ${path}` },
    });
  });
});
