import { CameraError, type OptionReader, type RawOptions, readOptions } from '@cam/core';
import type { vid } from 'node-libcamera';

const DRIVER = 'pi';

/** node-libcamera's typed options of `libcamera-vid`; the package exports them only through `vid()`. */
type Libcamera = Required<NonNullable<Parameters<typeof vid>[0]>>;

/**
 * What the camera captures, with the names and types node-libcamera gives rpicam-vid's options (hover
 * one for its documentation). node-libcamera 1.0.6 lacks `framerate` and `camera`, so they are typed
 * here, and its `tuning-file` is spelled `tuningFile`, as the server spells `CAMERA_TUNING_FILE`.
 */
export type PiCaptureOptions = Partial<
  Pick<
    Libcamera,
    | 'width'
    | 'height'
    | 'quality'
    | 'rotation'
    | 'hflip'
    | 'vflip'
    | 'roi'
    | 'shutter'
    | 'gain'
    | 'awb'
    | 'awbgains'
    | 'ev'
    | 'metering'
    | 'exposure'
    | 'brightness'
    | 'contrast'
    | 'saturation'
    | 'sharpness'
    | 'denoise'
  >
> & {
  /** Which camera, by index, on a Pi with more than one (rpicam-vid `--camera`). Default 0. */
  camera?: number;
  /** Frames per second (rpicam-vid `--framerate`). Default: the tool's (30). */
  framerate?: number;
  /** The camera tuning file (rpicam-vid `--tuning-file`). */
  tuningFile?: Libcamera['tuning-file'];
};

export interface PiCameraOptions extends PiCaptureOptions {
  /** The program to run. Default: `rpicam-vid`, or `libcamera-vid` where `rpicam-vid` is not on PATH. */
  command?: string;
  /**
   * How long each stop signal (SIGINT, then SIGTERM, then SIGKILL) waits for the tool to exit (ms).
   * Default 2000. (A tool that sends no frame is the camera's `startTimeout` and `stallTimeout`.)
   */
  signalTimeout?: number;
}

type Rule =
  | { kind: 'number'; min?: number; max?: number; integer?: boolean }
  | { kind: 'boolean' }
  | { kind: 'choice'; choices: readonly (string | number)[] }
  | { kind: 'text' }
  | { kind: 'fractions'; parts: readonly string[]; max?: number };

/** Every capture option, in the order its flag goes on the command line, with what it accepts. */
const CAPTURE_OPTIONS = {
  camera: { kind: 'number', integer: true, min: 0 },
  width: { kind: 'number', integer: true, min: 16, max: 16384 },
  height: { kind: 'number', integer: true, min: 16, max: 16384 },
  framerate: { kind: 'number', min: 0.1, max: 1000 },
  quality: { kind: 'number', integer: true, min: 1, max: 100 },
  rotation: { kind: 'choice', choices: [0, 180] },
  hflip: { kind: 'boolean' },
  vflip: { kind: 'boolean' },
  roi: { kind: 'fractions', parts: ['x', 'y', 'w', 'h'], max: 1 },
  shutter: { kind: 'number', min: 0 },
  gain: { kind: 'number', min: 0 },
  awb: {
    kind: 'choice',
    choices: ['auto', 'incandescent', 'tungsten', 'fluorescent', 'indoor', 'daylight', 'cloudy', 'custom'],
  },
  awbgains: { kind: 'fractions', parts: ['red', 'blue'] },
  ev: { kind: 'number', min: -10, max: 10 },
  metering: { kind: 'choice', choices: ['centre', 'spot', 'average', 'custom'] },
  exposure: { kind: 'choice', choices: ['normal', 'sport'] },
  brightness: { kind: 'number', min: -1, max: 1 },
  contrast: { kind: 'number', min: 0 },
  saturation: { kind: 'number', min: 0 },
  sharpness: { kind: 'number', min: 0 },
  denoise: { kind: 'choice', choices: ['auto', 'off', 'cdn_off', 'cdn_fast', 'cdn_hq'] },
  tuningFile: { kind: 'text' },
} as const satisfies Record<keyof PiCaptureOptions, Rule>;

/** The options the driver sets itself; users get a clear refusal instead of "unknown option". */
const FIXED = ['timeout', 'codec', 'output', 'flush', 'nopreview'];

/**
 * Validates options from the environment (strings, as `CAMERA_<OPTION>` gives them) or from code (typed
 * values) and returns typed ones, leaving out those not set. Throws `INVALID_OPTION` naming the option.
 */
export function parsePiOptions(raw: RawOptions): PiCameraOptions {
  const fixed = FIXED.find((name) => raw[name] !== undefined);
  if (fixed) {
    throw new CameraError(
      'INVALID_OPTION',
      `option "${fixed}" is set by the driver (it runs rpicam-vid ${FIXED_ARGS.join(' ')})`,
      { camera: DRIVER, option: fixed },
    );
  }
  const read = readOptions(raw, DRIVER);
  const options: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(CAPTURE_OPTIONS) as [string, Rule][]) {
    options[name] = parseValue(read, name, rule);
  }
  options.command = read.string('command', { accepts: 'a program name or path' });
  options.signalTimeout = read.number('signalTimeout', { min: 10, max: 60_000 });
  read.done();
  // Leave out what is not set, so that the defaults of the camera and of rpicam-vid apply.
  for (const name of Object.keys(options)) if (options[name] === undefined) delete options[name];
  return options as PiCameraOptions;
}

/** What the driver always passes: run until stopped, MJPEG, each frame flushed, no preview, to stdout. */
export const FIXED_ARGS: readonly string[] = ['-t', '0', '--codec', 'mjpeg', '--flush', '-n', '-o', '-'];

/**
 * The rpicam-vid argument list for validated options: the fixed arguments, then each option that is set.
 * A true boolean is a bare flag (`--hflip`) and a false one is left out; a value goes in the same
 * argument (`--ev=-0.5`), so that a negative number is never taken for an option.
 */
export function rpicamArgs(options: PiCaptureOptions): string[] {
  const args = [...FIXED_ARGS];
  for (const name of Object.keys(CAPTURE_OPTIONS) as (keyof PiCaptureOptions)[]) {
    const value = options[name];
    if (value === undefined || value === false) continue;
    const flag = `--${name.replace(/[A-Z]/g, (char) => `-${char.toLowerCase()}`)}`;
    args.push(value === true ? flag : `${flag}=${formatValue(value)}`);
  }
  return args;
}

function formatValue(value: string | number | object): string {
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.join(',');
  // roi, in the order rpicam-vid reads it, whatever order the object's keys were written in
  const { x, y, w, h } = value as { x: number; y: number; w: number; h: number };
  return `${x},${y},${w},${h}`;
}

function parseValue(read: OptionReader, name: string, rule: Rule): unknown {
  switch (rule.kind) {
    case 'number':
      return read.number(name, rule);
    case 'boolean':
      return read.boolean(name);
    case 'choice':
      return read.choice(name, rule.choices);
    case 'text':
      return read.string(name, { accepts: 'a path' });
    case 'fractions':
      return parseFractions(read, name, rule.parts, rule.max);
  }
}

/**
 * `roi` ({ x, y, w, h }, fractions of the sensor) and `awbgains` ([red, blue]) from an object, an array
 * or a comma-separated string: what node-libcamera's types say, and what an environment variable can hold.
 */
function parseFractions(read: OptionReader, name: string, parts: readonly string[], max?: number): unknown {
  const value = read.value(name);
  if (value === undefined) return undefined;
  const accepts =
    `${parts.length} numbers ${parts.join(',')}` +
    (max === undefined ? ' (each 0 or more)' : ` (each from 0 to ${max}, x+w and y+h at most 1)`);
  const items =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value)
        ? value
        : typeof value === 'object' && value !== null
          ? parts.map((part) => (value as Record<string, unknown>)[part])
          : [];
  const numbers = items.map((item) => (typeof item === 'string' && item.trim() !== '' ? Number(item) : item));
  const ok =
    numbers.length === parts.length &&
    numbers.every(
      (n) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && (max === undefined || n <= max),
    );
  if (!ok) throw read.invalid(name, accepts);
  const [a, b, c, d] = numbers as number[];
  if (parts.length === 2) return [a, b];
  if (c === 0 || d === 0 || a! + c! > 1 || b! + d! > 1) throw read.invalid(name, accepts);
  return { x: a, y: b, w: c, h: d };
}
