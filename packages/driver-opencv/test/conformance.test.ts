// The conformance suite of @cam/core against real OpenCV, through the driver export: a live GStreamer
// source (an endless synthetic camera) and a looping video file. Skipped with a note where OpenCV is
// missing (failing with CAM_TEST_STRICT=1).
import { join } from 'node:path';
import { runConformanceSuite } from '@cam/core/testing';
import { describe, test } from 'vitest';
import { driver } from '../src/index.js';
import { makeVideo, type Need, requireSetup, tempDir } from './support.js';

/** The runner's `test`, skipping (or failing, when strict) where `needs` are missing; then `before`. */
function testNeeding(needs: Need[], before: () => Promise<unknown> = async () => undefined) {
  return (name: string, fn: () => Promise<void>, timeout?: number) =>
    test(
      name,
      async (ctx) => {
        requireSetup(ctx, ...needs);
        await before();
        await fn();
      },
      timeout,
    );
}

const LIVE =
  'videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! appsink';

runConformanceSuite({
  test: testNeeding(['gstreamer']),
  describe,
  name: 'opencv driver conformance: live GStreamer source',
  driver,
  options: { source: LIVE },
  supports: { deviceError: { options: { source: '/dev/video99' }, code: 'DEVICE_NOT_FOUND' } },
});

const dir = tempDir();
const videoFile = join(dir, 'test.mp4');
let video: Promise<string> | undefined;

runConformanceSuite({
  test: testNeeding(['ffmpeg'], () => {
    video ??= makeVideo(dir, { fps: 25, seconds: 1 });
    return video;
  }),
  describe,
  name: 'opencv driver conformance: video file',
  driver,
  options: { source: videoFile },
});
