import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { MjpegCamera } from '../src/index.js';
import { CAM_STYLE, FRAMES, frameIndex, type PartStyle, serve, streamFrames } from './support.js';

/** Takes `count` frames through one viewer; returns which of FRAMES each was (-1: garbled). */
async function readFrames(camera: MjpegCamera, count: number): Promise<number[]> {
  const viewer = camera.subscribe();
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push(frameIndex((await viewer.next()).data));
  viewer.close();
  return seen;
}

function camera(url: string, idleTimeout = 60_000): MjpegCamera {
  const camera = new MjpegCamera({ url }, { idleTimeout });
  onTestFinished(() => camera.close());
  return camera;
}

/** Each frame is one of FRAMES, unchanged, and they come in the order the upstream sent them. */
function expectInOrder(seen: number[]): void {
  expect(seen).not.toContain(-1);
  for (let i = 1; i < seen.length; i++) {
    // A viewer may skip frames, never go back: the next index in the cycle of three, or further on.
    expect(seen[i]).not.toBe(seen[i - 1]);
  }
}

describe('Motion-JPEG streams', () => {
  const styles: [string, PartStyle][] = [
    ['cam style: Content-Length, CRLF, boundary=frame', CAM_STYLE],
    [
      'no Content-Length',
      { declared: 'myboundary', boundary: 'myboundary', eol: '\r\n', contentLength: false },
    ],
    [
      'quoted boundary with a space, LF-only line ends',
      { declared: '"my boundary"', boundary: 'my boundary', eol: '\n', contentLength: true },
    ],
    ['LF-only, no Content-Length', { declared: 'b', boundary: 'b', eol: '\n', contentLength: false }],
    [
      'a boundary declared with the dashes its delimiters carry (as some cameras do)',
      { declared: '--boundarydonotcross', boundary: 'boundarydonotcross', eol: '\r\n', contentLength: true },
    ],
  ];

  test.each(styles)('%s: every frame passes through unchanged', async (_, style) => {
    const upstream = await serve(streamFrames(style));
    const seen = await readFrames(camera(upstream.url), 8);
    expectInOrder(seen);
    expect(new Set(seen).size).toBe(FRAMES.length); // the large frame too
  });

  test('the upstream connection opens on the first demand and closes after the idle timeout', async () => {
    const upstream = await serve(streamFrames(CAM_STYLE));
    const cam = camera(upstream.url, 300);
    expect(upstream.requests).toHaveLength(0);
    expectInOrder(await readFrames(cam, 3));
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.open).toBe(1);
    await vi.waitFor(() => expect(upstream.open).toBe(0), { timeout: 5000 });
    await vi.waitFor(() => expect(cam.state.status).toBe('idle'));
    // The next viewer opens it again.
    expectInOrder(await readFrames(cam, 2));
    expect(upstream.requests).toHaveLength(2);
  });

  test('close() closes the upstream connection', async () => {
    const upstream = await serve(streamFrames(CAM_STYLE));
    const cam = camera(upstream.url);
    await readFrames(cam, 2);
    await cam.close();
    await vi.waitFor(() => expect(upstream.open).toBe(0), { timeout: 5000 });
  });
});
