// Frame-rate caps end to end: MAX_FPS caps what the camera captures; ?fps=N caps one viewer.
import { expect, test } from 'vitest';
import { cameraStateOf, openStream, sleep, startServer } from './helpers.js';

test('MAX_FPS=2 caps a 10 fps camera at 2 captured frames per second', { timeout: 30_000 }, async () => {
  const { port, url } = await startServer({ CAMERA_FPS: '10', MAX_FPS: '2' });
  const stream = await openStream(port, '/video_feed');
  await stream.waitForParts(1, 5000);
  const before = (await cameraStateOf(url, 'emulated')).framesCaptured;
  const from = Date.now();
  await sleep(3000);
  const state = await cameraStateOf(url, 'emulated');
  // The cap is judged against the time that really passed (a loaded machine sleeps longer), plus one
  // frame either side of the window.
  const seconds = (Date.now() - from) / 1000;
  const captured = state.framesCaptured - before;
  expect(captured).toBeGreaterThanOrEqual(5);
  expect(captured).toBeLessThanOrEqual(Math.ceil(2 * seconds) + 1);
  expect(state.fps).toBeGreaterThan(1); // (the cap is the point; below it, a loaded machine may lag)
  expect(state.fps).toBeLessThan(2.5);
  stream.close();
});

test('?fps=2 caps one viewer of a 10 fps camera while another gets every frame', {
  timeout: 30_000,
}, async () => {
  const { port } = await startServer({ CAMERA_FPS: '10' });
  const capped = await openStream(port, '/video_feed?fps=2');
  const full = await openStream(port, '/video_feed');
  await capped.waitForParts(1, 5000);
  await full.waitForParts(1, 5000);
  const start = { capped: capped.parts.length, full: full.parts.length };
  const from = Date.now();
  await sleep(3000);
  const cappedFrames = capped.parts.length - start.capped;
  const fullFrames = full.parts.length - start.full;
  const seconds = (Date.now() - from) / 1000; // as above: the time that really passed
  expect(cappedFrames).toBeGreaterThanOrEqual(5);
  expect(cappedFrames).toBeLessThanOrEqual(Math.ceil(2 * seconds) + 1);
  expect(fullFrames).toBeGreaterThanOrEqual(25);
  capped.close();
  full.close();
});
