import { describe, expect, test } from 'vitest';
import { redactPaths } from '../src/index.js';

describe('redactPaths', () => {
  test.each([
    ['cannot read frame file /home/pi/frames/2.jpg', 'cannot read frame file .../2.jpg'],
    ['failed (/srv/cam/node_modules/.pnpm/x@1/index.js:12:3)', 'failed (.../index.js:12:3)'],
    ["Cannot find module 'file:///opt/drivers/cam.js'", "Cannot find module '.../cam.js'"],
    ['open C:\\Users\\me\\cam\\driver.js failed', 'open .../driver.js failed'],
  ])('%s → %s', (message, redacted) => {
    expect(redactPaths(message)).toBe(redacted);
  });

  test.each([
    'upstream http://camera.local/video/feed stopped',
    'frame rate 30/1',
    'no device',
    'a/b relative',
    'device=/dev/video0 busy', // device nodes name what the user configured
    'no device at /dev/nothing',
  ])('leaves %s as it is', (message) => {
    expect(redactPaths(message)).toBe(message);
  });
});
