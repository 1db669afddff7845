import { CameraError } from '@cam/core';
import { describe, expect, test } from 'vitest';
import { driver } from '../src/index.js';
import { describeSource, parseSource } from '../src/source.js';

function optionError(raw: Record<string, unknown>): CameraError {
  try {
    driver.parseOptions(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(CameraError);
    return error as CameraError;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('opencv driver options', () => {
  test('default: the first camera the system finds, as the original', () => {
    expect(driver.parseOptions({})).toEqual({ source: 0 });
  });

  test('takes strings from the environment', () => {
    expect(
      driver.parseOptions({
        source: '2',
        width: '1280',
        height: '720',
        fps: '15',
        quality: '70',
        passthrough: 'false',
        loop: 'no',
      }),
    ).toEqual({ source: 2, width: 1280, height: 720, fps: 15, quality: 70, passthrough: false, loop: false });
  });

  test('keeps device paths, URLs and pipelines as written', () => {
    for (const source of [
      '/dev/video2',
      'rtsp://camera.local/stream',
      'videotestsrc ! videoconvert ! appsink',
    ]) {
      expect(driver.parseOptions({ source: ` ${source} ` }).source).toBe(source);
    }
  });

  test.each([
    [{ width: '0' }, 'width', /option "width" must be an integer from 1 to 16384, got "0"/],
    [{ height: 'tall' }, 'height', /option "height" must be an integer from 1 to 16384/],
    [{ fps: '-5' }, 'fps', /option "fps" must be a number from 0.1 to 1000/],
    [{ quality: '101' }, 'quality', /option "quality" must be an integer from 1 to 100, got "101"/],
    [{ passthrough: 'maybe' }, 'passthrough', /option "passthrough" must be true or false/],
    [{ source: -1 }, 'source', /option "source" must be a camera index/],
    [
      { source: 'videotestsrc ! videoconvert' },
      'source',
      /option "source" must be a GStreamer pipeline that ends in appsink/,
    ],
    [
      { source: '/nonexistent/cam/video.mp4' },
      'source',
      /option "source" must be an existing video file .*got "\/nonexistent\/cam\/video.mp4"/,
    ],
  ])('rejects %j, naming the option and what it accepts', (raw, option, message) => {
    const error = optionError(raw);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  test('rejects an unknown option, listing the known ones', () => {
    expect(optionError({ device: '0' }).message).toMatch(
      /unknown option "device" \(known options: source, width, height, fps, quality, passthrough, loop\)/,
    );
  });
});

describe('sources', () => {
  test.each([
    [0, 'device', 0, 'camera 0'],
    ['1', 'device', 1, 'camera 1'],
    ['/dev/video3', 'device', 3, 'camera /dev/video3'],
    ['/dev/v4l/by-id/usb-cam', 'device', '/dev/v4l/by-id/usb-cam', 'device /dev/v4l/by-id/usb-cam'],
    ['clip.mp4', 'file', 'clip.mp4', 'file clip.mp4'],
    ['http://cam.local/video.mjpg', 'url', 'http://cam.local/video.mjpg', 'URL http://cam.local/video.mjpg'],
    [
      'videotestsrc ! appsink',
      'pipeline',
      'videotestsrc ! appsink',
      'GStreamer pipeline "videotestsrc ! appsink"',
    ],
  ])('%j is a %s', (text, kind, target, description) => {
    const source = parseSource(text);
    expect(source).toMatchObject({ kind, target });
    expect(describeSource(source)).toBe(description);
  });
});
