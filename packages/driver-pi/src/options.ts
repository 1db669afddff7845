import { CameraError, invalidOption, numberOption, type RawOptions, rejectUnknownOptions } from '@cam/core';
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
  /** Fail the start with `TIMEOUT` when no frame arrives within this many ms. Default 10 000. */
  firstFrameTimeout?: number;
  /** How long each stop step (SIGINT, then SIGTERM, then SIGKILL) waits for the process to exit (ms). Default 2000. */
  stopTimeout?: number;
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

const KNOWN = [...Object.keys(CAPTURE_OPTIONS), 'command', 'firstFrameTimeout', 'stopTimeout'];

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
  rejectUnknownOptions(raw, KNOWN, DRIVER);
  const options: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(CAPTURE_OPTIONS) as [string, Rule][]) {
    const value = parseValue(raw, name, rule);
    if (value !== undefined) options[name] = value;
  }
  const command = raw.command;
  if (command !== undefined && command !== '') {
    if (typeof command !== 'string' || command.trim() === '') {
      throw invalidOption(DRIVER, 'command', 'a program name or path', command);
    }
    options.command = command;
  }
  const firstFrameTimeout = numberOption(raw, 'firstFrameTimeout', { min: 100, max: 600_000 }, DRIVER);
  if (firstFrameTimeout !== undefined) options.firstFrameTimeout = firstFrameTimeout;
  const stopTimeout = numberOption(raw, 'stopTimeout', { min: 10, max: 60_000 }, DRIVER);
  if (stopTimeout !== undefined) options.stopTimeout = stopTimeout;
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
  return (Array.isArray(value) ? value : Object.values(value)).join(',');
}

function parseValue(raw: RawOptions, name: string, rule: Rule): unknown {
  const value = raw[name];
  if (value === undefined || value === '') return undefined;
  switch (rule.kind) {
    case 'number':
      return numberOption(raw, name, rule, DRIVER);
    case 'boolean':
      return parseBoolean(name, value);
    case 'choice': {
      const choice = rule.choices.find((item) => String(item) === String(value).trim().toLowerCase());
      if (choice === undefined) throw invalidOption(DRIVER, name, oneOf(rule.choices), value);
      return choice;
    }
    case 'text':
      if (typeof value !== 'string' || value.trim() === '')
        throw invalidOption(DRIVER, name, 'a path', value);
      return value;
    case 'fractions':
      return parseFractions(name, value, rule.parts, rule.max);
  }
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

function parseBoolean(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  throw invalidOption(DRIVER, name, 'true or false (or 1/0, yes/no, on/off)', value);
}

/**
 * `roi` ({ x, y, w, h }, fractions of the sensor) and `awbgains` ([red, blue]) from an object, an array
 * or a comma-separated string: what node-libcamera's types say, and what an environment variable can hold.
 */
function parseFractions(name: string, value: unknown, parts: readonly string[], max?: number): unknown {
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
  if (!ok) throw invalidOption(DRIVER, name, accepts, value);
  const [a, b, c, d] = numbers as number[];
  if (parts.length === 2) return [a, b];
  if (c === 0 || d === 0 || a! + c! > 1 || b! + d! > 1) throw invalidOption(DRIVER, name, accepts, value);
  return { x: a, y: b, w: c, h: d };
}

function oneOf(choices: readonly (string | number)[]): string {
  return `one of ${choices.join(', ')}`;
}
