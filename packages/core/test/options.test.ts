import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  CameraError,
  delay,
  invalidOption,
  isCameraDriver,
  looksLikeJpeg,
  numberOption,
  rejectUnknownOptions,
  retryDelay,
  stringListOption,
} from '../src/index.js';
import { TestCamera, testJpeg, testJpegNumber } from '../src/testing/index.js';

/** Runs `fn`, which must throw a CameraError, and returns that error. */
function thrownBy(fn: () => unknown): CameraError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CameraError);
    return error as CameraError;
  }
  throw new Error('expected a CameraError, but nothing was thrown');
}

describe('numberOption', () => {
  test('reads a number', () => {
    expect(numberOption({ fps: 15 }, 'fps', {}, 'emulated')).toBe(15);
  });

  test('reads a string holding a number, as from the environment', () => {
    expect(numberOption({ fps: ' 12.5 ' }, 'fps', {}, 'emulated')).toBe(12.5);
  });

  test('returns the default when the option is absent or empty', () => {
    expect(numberOption({}, 'fps', { default: 10 }, 'emulated')).toBe(10);
    expect(numberOption({ fps: '' }, 'fps', { default: 10 }, 'emulated')).toBe(10);
    expect(numberOption({}, 'fps', {}, 'emulated')).toBeUndefined();
  });

  test('accepts values on the bounds', () => {
    expect(numberOption({ fps: 1 }, 'fps', { min: 1, max: 60 }, 'emulated')).toBe(1);
    expect(numberOption({ fps: '60' }, 'fps', { min: 1, max: 60 }, 'emulated')).toBe(60);
  });

  test('rejects a value below min, naming the option, the range and the value', () => {
    const error = thrownBy(() => numberOption({ fps: 0 }, 'fps', { min: 1, max: 60 }, 'emulated'));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('fps');
    expect(error.camera).toBe('emulated');
    expect(error.message).toBe('[cam] [emulated] option "fps" must be a number from 1 to 60, got 0');
  });

  test('rejects a value above max', () => {
    const error = thrownBy(() => numberOption({ fps: '61' }, 'fps', { min: 1, max: 60 }, 'emulated'));
    expect(error.message).toContain('got "61"');
  });

  test('rejects a fraction when an integer is required', () => {
    const error = thrownBy(() =>
      numberOption({ device: '1.5' }, 'device', { integer: true, min: 0 }, 'opencv'),
    );
    expect(error.message).toBe('[cam] [opencv] option "device" must be an integer >= 0, got "1.5"');
  });

  test('describes a bound on one side', () => {
    expect(thrownBy(() => numberOption({ q: 101 }, 'q', { max: 100 }, 'd')).detail).toBe(
      'option "q" must be a number <= 100, got 101',
    );
  });

  test.each([['abc'], ['12px'], [Number.NaN], [Number.POSITIVE_INFINITY], [true], [[5]], [{}]])(
    'rejects %j as not a number',
    (value) => {
      const error = thrownBy(() => numberOption({ fps: value }, 'fps', { default: 10 }, 'emulated'));
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.detail).toMatch(/^option "fps" must be a number, got /);
    },
  );
});

describe('stringListOption', () => {
  test('splits a comma-separated string and trims the items', () => {
    expect(stringListOption({ images: ' a.jpg, b.jpg ,c.jpg' }, 'images', 'emulated')).toEqual([
      'a.jpg',
      'b.jpg',
      'c.jpg',
    ]);
  });

  test('accepts an array of strings, dropping empty items', () => {
    expect(stringListOption({ images: ['a.jpg', ' ', 'b.jpg'] }, 'images', 'emulated')).toEqual([
      'a.jpg',
      'b.jpg',
    ]);
  });

  test('returns undefined when the option is absent or empty', () => {
    expect(stringListOption({}, 'images', 'emulated')).toBeUndefined();
    expect(stringListOption({ images: '' }, 'images', 'emulated')).toBeUndefined();
  });

  test('rejects a list with nothing in it', () => {
    const error = thrownBy(() => stringListOption({ images: ' , ,' }, 'images', 'emulated'));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'images' });
    expect(error.detail).toBe('option "images" must be at least one item, got " , ,"');
  });

  test.each([[42], [['a', 1]], [{ a: 'b' }]])('rejects %j as not a list of strings', (value) => {
    const error = thrownBy(() => stringListOption({ images: value }, 'images', 'emulated'));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'images' });
    expect(error.detail).toMatch(/^option "images" must be a list of strings/);
  });
});

describe('rejectUnknownOptions', () => {
  test('accepts known options', () => {
    expect(() => rejectUnknownOptions({ fps: 1, images: 'a' }, ['fps', 'images'], 'emulated')).not.toThrow();
  });

  test('rejects an unknown option, listing the known ones', () => {
    const error = thrownBy(() => rejectUnknownOptions({ fps: 1, fsp: 2 }, ['fps', 'images'], 'emulated'));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'fsp', camera: 'emulated' });
    expect(error.detail).toBe('unknown option "fsp" (known options: fps, images)');
  });

  test('says when a driver takes no options', () => {
    const error = thrownBy(() => rejectUnknownOptions({ fps: 1 }, [], 'plain'));
    expect(error.detail).toBe('unknown option "fps" (this driver takes no options)');
  });
});

describe('invalidOption', () => {
  test('builds the INVALID_OPTION error the validators throw', () => {
    const error = invalidOption('pi', 'width', 'an even integer', 641);
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'width', camera: 'pi' });
    expect(error.message).toBe('[cam] [pi] option "width" must be an even integer, got 641');
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
