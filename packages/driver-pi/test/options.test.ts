import { type CameraError, isCameraError, type RawOptions } from '@cam/core';
import { describe, expect, test } from 'vitest';
import {
  driver,
  FIXED_ARGS,
  PiCamera,
  type PiCameraOptions,
  parsePiOptions,
  rpicamArgs,
} from '../src/index.js';

function optionError(raw: RawOptions): CameraError {
  try {
    parsePiOptions(raw);
  } catch (error) {
    if (isCameraError(error)) return error;
    throw error;
  }
  throw new Error(`parsePiOptions(${JSON.stringify(raw)}) did not throw`);
}

// What `CAMERA_<OPTION>` variables give the driver through the server: strings, camelCase names.
const fromEnv = {
  width: '1280',
  height: '720',
  framerate: '25',
  quality: '80',
  rotation: '180',
  hflip: 'true',
  vflip: 'false',
  roi: '0.25,0.25,0.5,0.5',
  shutter: '20000',
  gain: '2',
  awb: 'Daylight',
  awbgains: '1.5,1.2',
  ev: '-0.5',
  metering: 'spot',
  exposure: 'sport',
  brightness: '0.1',
  contrast: '1.2',
  saturation: '0',
  sharpness: '1.5',
  denoise: 'cdn_fast',
  tuningFile: '/usr/share/libcamera/ipa/rpi/vc4/imx219_noir.json',
  camera: '1',
  command: '/opt/rpicam/bin/rpicam-vid',
  signalTimeout: '500',
};

const typed: PiCameraOptions = {
  width: 1280,
  height: 720,
  framerate: 25,
  quality: 80,
  rotation: 180,
  hflip: true,
  vflip: false,
  roi: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 },
  shutter: 20000,
  gain: 2,
  awb: 'daylight',
  awbgains: [1.5, 1.2],
  ev: -0.5,
  metering: 'spot',
  exposure: 'sport',
  brightness: 0.1,
  contrast: 1.2,
  saturation: 0,
  sharpness: 1.5,
  denoise: 'cdn_fast',
  tuningFile: '/usr/share/libcamera/ipa/rpi/vc4/imx219_noir.json',
  camera: 1,
  command: '/opt/rpicam/bin/rpicam-vid',
  signalTimeout: 500,
};

describe('parsePiOptions', () => {
  test('turns the strings of CAMERA_<OPTION> variables into typed options', () => {
    expect(parsePiOptions(fromEnv)).toEqual(typed);
  });

  test('takes typed options as they are', () => {
    expect(parsePiOptions(typed as RawOptions)).toEqual(typed);
  });

  test('leaves out what is not set; an empty value means not set', () => {
    expect(parsePiOptions({})).toEqual({});
    expect(parsePiOptions({ width: '', hflip: '', command: '' })).toEqual({});
  });

  test.each([
    ['1', true],
    ['yes', true],
    ['ON', true],
    ['0', false],
    ['no', false],
    ['off', false],
  ])('reads the boolean %j as %j', (value, expected) => {
    expect(parsePiOptions({ vflip: value })).toEqual({ vflip: expected });
  });

  test.each([
    [{ rotation: '90' }, 'rotation', 'one of 0, 180'],
    [{ rotation: 270 }, 'rotation', 'one of 0, 180'],
    [{ quality: '0' }, 'quality', 'an integer from 1 to 100'],
    [{ quality: 'high' }, 'quality', 'an integer from 1 to 100'],
    [{ width: '640.5' }, 'width', 'an integer from 16 to 16384'],
    [{ framerate: '0' }, 'framerate', 'a number from 0.1 to 1000'],
    [{ ev: '-11' }, 'ev', 'a number from -10 to 10'],
    [{ hflip: 'maybe' }, 'hflip', 'true or false'],
    [{ awb: 'sunny' }, 'awb', 'one of auto, incandescent, tungsten'],
    [{ denoise: 'cdn_best' }, 'denoise', 'one of auto, off, cdn_off, cdn_fast, cdn_hq'],
    [{ roi: '0.5,0.5,0.6,0.5' }, 'roi', '4 numbers x,y,w,h (each from 0 to 1, x+w and y+h at most 1)'],
    [{ roi: '0,0,0,1' }, 'roi', '4 numbers x,y,w,h'],
    [{ roi: '0.1,0.1' }, 'roi', '4 numbers x,y,w,h'],
    [{ awbgains: '1.5' }, 'awbgains', '2 numbers red,blue'],
    [{ awbgains: '-1,1' }, 'awbgains', '2 numbers red,blue'],
    [{ signalTimeout: '5' }, 'signalTimeout', 'a number from 10 to 60000'],
    [{ command: '  ' }, 'command', 'a program name or path'],
  ])('rejects %j, naming the option and what it accepts', (raw, option, accepts) => {
    const error = optionError(raw);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.detail).toContain(`option "${option}" must be ${accepts}`);
  });

  test('rejects an unknown option, listing the known ones', () => {
    const error = optionError({ colour: 'red' });
    expect(error.option).toBe('colour');
    expect(error.detail).toMatch(
      /^unknown option "colour" \(known options: camera, width, height, framerate,/,
    );
  });

  test.each(['timeout', 'codec', 'output', 'nopreview'])(
    'refuses %j: the driver sets it itself',
    (option) => {
      const error = optionError({ [option]: '1' });
      expect(error.option).toBe(option);
      expect(error.detail).toBe(
        `option "${option}" is set by the driver (it runs rpicam-vid -t 0 --codec mjpeg --flush -n -o -)`,
      );
    },
  );

  test('is what the driver exports as parseOptions', () => {
    expect(driver.parseOptions).toBe(parsePiOptions);
    expect(driver.name).toBe('pi');
  });

  test('the camera validates typed options too, at construction', () => {
    expect(() => new PiCamera({ rotation: 90 } as unknown as PiCameraOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', option: 'rotation' }),
    );
  });
});

describe('rpicamArgs', () => {
  test('always runs until stopped, MJPEG, flushed, without preview, to stdout', () => {
    expect(FIXED_ARGS).toEqual(['-t', '0', '--codec', 'mjpeg', '--flush', '-n', '-o', '-']);
    expect(rpicamArgs({})).toEqual(FIXED_ARGS);
  });

  test('adds a typical option set after the fixed arguments', () => {
    const options = parsePiOptions({
      width: '1280',
      height: '720',
      framerate: '30',
      quality: '80',
      rotation: '180',
      hflip: 'true',
      vflip: 'false',
      ev: '-0.5',
      awb: 'daylight',
    });
    expect(rpicamArgs(options)).toEqual([
      ...FIXED_ARGS,
      '--width=1280',
      '--height=720',
      '--framerate=30',
      '--quality=80',
      '--rotation=180',
      '--hflip',
      '--awb=daylight',
      '--ev=-0.5',
    ]);
  });

  test('formats every option as rpicam-vid reads it, in a fixed order', () => {
    const { command, signalTimeout, ...capture } = typed;
    expect(rpicamArgs(capture)).toEqual([
      ...FIXED_ARGS,
      '--camera=1',
      '--width=1280',
      '--height=720',
      '--framerate=25',
      '--quality=80',
      '--rotation=180',
      '--hflip',
      '--roi=0.25,0.25,0.5,0.5',
      '--shutter=20000',
      '--gain=2',
      '--awb=daylight',
      '--awbgains=1.5,1.2',
      '--ev=-0.5',
      '--metering=spot',
      '--exposure=sport',
      '--brightness=0.1',
      '--contrast=1.2',
      '--saturation=0',
      '--sharpness=1.5',
      '--denoise=cdn_fast',
      '--tuning-file=/usr/share/libcamera/ipa/rpi/vc4/imx219_noir.json',
    ]);
  });

  test('a false boolean is left out; a true one is a bare flag', () => {
    expect(rpicamArgs({ hflip: false, vflip: true })).toEqual([...FIXED_ARGS, '--vflip']);
  });

  test('the driver-only options never reach the command line', () => {
    const camera = new PiCamera({ command: 'my-vid', signalTimeout: 100, width: 640 });
    expect(camera.args).toEqual([...FIXED_ARGS, '--width=640']);
    expect(camera.commands).toEqual(['my-vid']);
    expect(new PiCamera().commands).toEqual(['rpicam-vid', 'libcamera-vid']);
  });

  test('--roi is x,y,w,h whatever order the object was written in', () => {
    const roi = { w: 0.5, h: 0.4, x: 0.25, y: 0.1 } as unknown as PiCameraOptions['roi'];
    expect(rpicamArgs({ roi })).toEqual([...FIXED_ARGS, '--roi=0.25,0.1,0.5,0.4']);
    expect(new PiCamera({ roi }).args).toEqual([...FIXED_ARGS, '--roi=0.25,0.1,0.5,0.4']);
  });

  test("the camera waits for the tool's whole stop escalation before abandoning a run, unless told otherwise", () => {
    expect(new PiCamera().stopTimeout).toBe(3 * 2000 + 1000);
    expect(new PiCamera({ signalTimeout: 100 }).stopTimeout).toBe(1300);
    expect(new PiCamera({ signalTimeout: 100 }, { stopTimeout: 5000 }).stopTimeout).toBe(5000);
    expect(new PiCamera({ signalTimeout: 100 }).signalTimeout).toBe(100);
  });
});
