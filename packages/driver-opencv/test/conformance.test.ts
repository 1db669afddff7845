// The conformance suite of @cam/core against real OpenCV: a live GStreamer source (an endless synthetic
// camera) and a looping video file. Skipped with a note where OpenCV is missing (failing with
// CAM_TEST_STRICT=1).
import { runConformanceSuite } from '@cam/core/testing';
import { describe, test } from 'vitest';
import { OpenCvCamera } from '../src/index.js';
import { makeVideo, type Need, requireSetup, tempDir } from './support.js';

/** The runner's `test`, skipping (or failing, when strict) where `needs` are missing. */
function testNeeding(...needs: Need[]) {
  return (name: string, fn: () => Promise<void>, timeout?: number) =>
    test(
      name,
      async (ctx) => {
        requireSetup(ctx, ...needs);
        await fn();
      },
      timeout,
    );
}

const LIVE =
  'videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! appsink';

runConformanceSuite({
  test: testNeeding('gstreamer'),
  describe,
  name: 'opencv driver conformance: live GStreamer source',
  createCamera: (options) => new OpenCvCamera({ source: LIVE }, options),
});

const dir = tempDir();
let video: Promise<string> | undefined;

runConformanceSuite({
  test: testNeeding('ffmpeg'),
  describe,
  name: 'opencv driver conformance: video file',
  createCamera: async (options) => {
    video ??= makeVideo(dir, { fps: 25, seconds: 1 });
    return new OpenCvCamera({ source: await video }, options);
  },
});
