import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  type CameraError,
  delay,
  isCameraDriver,
  isCameraError,
  looksLikeJpeg,
  type NumberRule,
  type RawOptions,
  readOptions,
  retryDelay,
} from '../src/index.js';
import { TestCamera, testJpeg, testJpegNumber } from '../src/testing/index.js';

/** Runs `fn`, which must throw a CameraError, and returns that error. */
function thrownBy(fn: () => unknown): CameraError {
  try {
    fn();
  } catch (error) {
    expect(isCameraError(error), String(error)).toBe(true);
    return error as CameraError;
  }
  throw new Error('expected a CameraError, but nothing was thrown');
}

describe('readOptions: number', () => {
  const number = (raw: RawOptions, rule?: NumberRule & { default?: number }, driver = 'emulated') =>
    readOptions(raw, driver).number('fps', rule);

  test('reads a number', () => {
    expect(number({ fps: 15 })).toBe(15);
  });

  test('reads a string holding a number, as from the environment', () => {
    expect(number({ fps: ' 12.5 ' })).toBe(12.5);
  });

  test('returns the default when the option is absent or empty', () => {
    expect(number({}, { default: 10 })).toBe(10);
    expect(number({ fps: '' }, { default: 10 })).toBe(10);
    expect(number({})).toBeUndefined();
  });

  test('accepts values on the bounds', () => {
    expect(number({ fps: 1 }, { min: 1, max: 60 })).toBe(1);
    expect(number({ fps: '60' }, { min: 1, max: 60 })).toBe(60);
  });

  test('rejects a value below min, naming the option, the range and the value', () => {
    const error = thrownBy(() => number({ fps: 0 }, { min: 1, max: 60 }));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('fps');
    expect(error.camera).toBe('emulated');
    expect(error.message).toBe('[cam] [emulated] option "fps" must be a number from 1 to 60, got 0');
  });

  test('rejects a value above max', () => {
    expect(thrownBy(() => number({ fps: '61' }, { min: 1, max: 60 })).message).toContain('got "61"');
  });

  test('rejects a fraction when an integer is required', () => {
    const error = thrownBy(() =>
      readOptions({ device: '1.5' }, 'opencv').number('device', { integer: true, min: 0 }),
    );
    expect(error.message).toBe('[cam] [opencv] option "device" must be an integer >= 0, got "1.5"');
  });

  test('describes a bound on one side, and an exclusive lower bound', () => {
    expect(thrownBy(() => number({ fps: 101 }, { max: 100 })).detail).toBe(
      'option "fps" must be a number <= 100, got 101',
    );
    expect(thrownBy(() => number({ fps: '0' }, { above: 0, max: 1000 })).detail).toBe(
      'option "fps" must be a number greater than 0, at most 1000, got "0"',
    );
    expect(number({ fps: '0.001' }, { above: 0 })).toBe(0.001);
  });

  test.each([['abc'], ['12px'], ['  '], [Number.NaN], [Number.POSITIVE_INFINITY], [true], [[5]], [{}]])(
    'rejects %j as not a number',
    (value) => {
      const error = thrownBy(() => number({ fps: value }, { default: 10 }));
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.detail).toMatch(/^option "fps" must be a number, got /);
    },
  );
});

describe('readOptions: string, boolean, list, choice', () => {
  test('string: a non-empty string, or the default; the refusal says what it accepts', () => {
    expect(readOptions({ path: '/a.jpg' }, 'file').string('path')).toBe('/a.jpg');
    expect(readOptions({}, 'file').string('path', { default: '/b.jpg' })).toBe('/b.jpg');
    expect(readOptions({ path: '' }, 'file').string('path')).toBeUndefined();
    expect(
      thrownBy(() => readOptions({ path: 5 }, 'file').string('path', { accepts: 'a file path' })).detail,
    ).toBe('option "path" must be a file path, got 5');
    expect(thrownBy(() => readOptions({ path: '  ' }, 'file').string('path')).detail).toBe(
      'option "path" must be a non-empty string, got "  "',
    );
  });

  test.each([
    [true, true],
    ['true', true],
    [' YES ', true],
    ['on', true],
    ['1', true],
    [false, false],
    ['False', false],
    ['no', false],
    ['off', false],
    ['0', false],
  ])('boolean: %j is %j', (value, expected) => {
    expect(readOptions({ loop: value }, 'opencv').boolean('loop')).toBe(expected);
  });

  test('boolean: absent gives the default; anything else is refused', () => {
    expect(readOptions({}, 'opencv').boolean('loop', { default: true })).toBe(true);
    expect(readOptions({}, 'opencv').boolean('loop')).toBeUndefined();
    const error = thrownBy(() => readOptions({ loop: 'maybe' }, 'opencv').boolean('loop'));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'loop' });
    expect(error.detail).toBe('option "loop" must be true or false (also 1/0, yes/no, on/off), got "maybe"');
  });

  test('list: splits a comma-separated string and trims the items', () => {
    expect(readOptions({ images: ' a.jpg, b.jpg ,c.jpg' }, 'emulated').list('images')).toEqual([
      'a.jpg',
      'b.jpg',
      'c.jpg',
    ]);
  });

  test('list: accepts an array of strings, dropping empty items; absent is the default', () => {
    expect(readOptions({ images: ['a.jpg', ' ', 'b.jpg'] }, 'emulated').list('images')).toEqual([
      'a.jpg',
      'b.jpg',
    ]);
    expect(readOptions({}, 'emulated').list('images')).toBeUndefined();
    expect(readOptions({ images: '' }, 'emulated').list('images', { default: ['x'] })).toEqual(['x']);
  });

  test('list: rejects a list with nothing in it', () => {
    const error = thrownBy(() => readOptions({ images: ' , ,' }, 'emulated').list('images'));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'images' });
    expect(error.detail).toBe('option "images" must be at least one item, got " , ,"');
  });

  test.each([[42], [['a', 1]], [{ a: 'b' }]])('list: rejects %j as not a list of strings', (value) => {
    const error = thrownBy(() => readOptions({ images: value }, 'emulated').list('images'));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'images' });
    expect(error.detail).toMatch(/^option "images" must be a list of strings/);
  });

  test('choice: matches without regard to case and returns the choice itself', () => {
    expect(readOptions({ awb: 'Daylight' }, 'pi').choice('awb', ['auto', 'daylight'])).toBe('daylight');
    expect(readOptions({ rotation: '180' }, 'pi').choice('rotation', [0, 180])).toBe(180);
    expect(readOptions({}, 'pi').choice('rotation', [0, 180], { default: 0 })).toBe(0);
    expect(thrownBy(() => readOptions({ rotation: '90' }, 'pi').choice('rotation', [0, 180])).detail).toBe(
      'option "rotation" must be one of 0, 180, got "90"',
    );
  });

  test('value and invalid: a check of the driver own, refused the same way', () => {
    const read = readOptions({ source: 'x' }, 'opencv');
    expect(read.value('source')).toBe('x');
    const error = read.invalid('source', 'a camera index');
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'source', camera: 'opencv' });
    expect(error.message).toBe('[cam] [opencv] option "source" must be a camera index, got "x"');
    expect(read.value('missing')).toBeUndefined();
  });

  test('the noun setting words messages for query parameters', () => {
    const error = thrownBy(() => readOptions({ fps: 'x' }, 'http', { noun: 'parameter' }).number('fps'));
    expect(error.detail).toBe('parameter "fps" must be a number, got "x"');
  });
});

describe('readOptions: done', () => {
  test('accepts options that were all read', () => {
    const read = readOptions({ fps: 1, images: 'a' }, 'emulated');
    read.number('fps');
    read.list('images');
    expect(() => read.done()).not.toThrow();
  });

  test('counts an option as read even when absent, and lists it as known', () => {
    const read = readOptions({ fsp: 2 }, 'emulated');
    read.number('fps');
    read.list('images');
    const error = thrownBy(() => read.done());
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'fsp', camera: 'emulated' });
    expect(error.detail).toBe('unknown option "fsp" (known options: fps, images)');
  });

  test('says when a driver takes no options', () => {
    const error = thrownBy(() => readOptions({ fps: 1 }, 'plain').done());
    expect(error.detail).toBe('unknown option "fps" (this driver takes no options)');
  });
});

describe('retryDelay', () => {
  test('starts at the initial delay and doubles per failure', () => {
    expect([1, 2, 3, 4, 5].map((failures) => retryDelay(failures, 1000, 30_000))).toEqual([
      1000, 2000, 4000, 8000, 16_000,
    ]);
  });

  test('is capped at max', () => {
    expect(retryDelay(6, 1000, 30_000)).toBe(30_000);
    expect(retryDelay(1000, 1000, 30_000)).toBe(30_000);
  });

  test('is 0 without failures', () => {
    expect(retryDelay(0, 1000, 30_000)).toBe(0);
  });
});

describe('delay', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('resolves after the given time', async () => {
    vi.useFakeTimers();
    let done = false;
    void delay(100).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  test("rejects with the signal's reason when it aborts", async () => {
    const controller = new AbortController();
    const waiting = delay(10_000, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  test('rejects at once for an aborted signal', async () => {
    await expect(delay(10_000, AbortSignal.abort('gone'))).rejects.toBe('gone');
  });
});

describe('test frames', () => {
  test('testJpeg makes a JPEG: FF D8 first, FF D9 last', () => {
    const jpeg = testJpeg(7);
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9]);
    expect(looksLikeJpeg(jpeg)).toBe(true);
  });

  test.each([1, 42, 123_456])('testJpegNumber reads back %i', (number) => {
    expect(testJpegNumber(testJpeg(number))).toBe(number);
  });

  test('frames with different numbers differ', () => {
    expect(testJpeg(1).equals(testJpeg(2))).toBe(false);
  });

  test.each([1000, 65_540, 200_000])('pads to at least %i bytes, still a numbered JPEG', (size) => {
    const jpeg = testJpeg(9, size);
    expect(jpeg.length).toBeGreaterThanOrEqual(size);
    expect(jpeg.length).toBeLessThan(size + 100);
    expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9]);
    expect(testJpegNumber(jpeg)).toBe(9);
  });

  test('testJpegNumber returns undefined for another JPEG', () => {
    expect(testJpegNumber(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBeUndefined();
  });

  test('TestCamera frameSize pads its frames', async () => {
    const camera = new TestCamera({ frameSize: 5000 });
    const frame = camera.subscribe().next();
    camera.push();
    expect((await frame).data.length).toBeGreaterThanOrEqual(5000);
    await camera.close();
  });
});

describe('looksLikeJpeg', () => {
  test('wants a Buffer of at least 4 bytes starting FF D8', () => {
    expect(looksLikeJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe(true);
    expect(looksLikeJpeg(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
    expect(looksLikeJpeg(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
    expect(looksLikeJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe(false);
    expect(looksLikeJpeg('\xff\xd8\xff\xe0')).toBe(false);
  });
});

describe('isCameraDriver', () => {
  const driver = {
    name: 'test',
    description: 'scripted frames',
    parseOptions: () => ({}),
    createCamera: () => new TestCamera(),
  };

  test('accepts an object with name, parseOptions and createCamera', () => {
    expect(isCameraDriver(driver)).toBe(true);
  });

  test.each([
    ['null', null],
    ['a string', 'test'],
    ['a module namespace without a driver', { default: driver }],
    ['no name', { ...driver, name: undefined }],
    ['parseOptions not a function', { ...driver, parseOptions: {} }],
    ['no createCamera', { name: 'x', parseOptions: () => ({}) }],
  ])('rejects %s', (_what, value) => {
    expect(isCameraDriver(value)).toBe(false);
  });
});
