import type { RawOptions } from './driver.js';
import { CameraError } from './errors.js';

// Small validators for driver options, so that every driver reports a bad value the same way: the
// option's name, what it accepts, and what it got. Values from the environment arrive as strings.

interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

/** Reads a number option (a number, or a string holding one); `fallback` when absent. */
export function numberOption(
  raw: RawOptions,
  option: string,
  rule: NumberRule & { default: number },
  driver: string,
): number;
export function numberOption(
  raw: RawOptions,
  option: string,
  rule: NumberRule,
  driver: string,
): number | undefined;
export function numberOption(
  raw: RawOptions,
  option: string,
  rule: NumberRule & { default?: number },
  driver: string,
): number | undefined {
  const value = raw[option];
  if (value === undefined || value === '') return rule.default;
  const number = typeof value === 'string' ? Number(value.trim()) : value;
  const ok =
    typeof number === 'number' &&
    Number.isFinite(number) &&
    (!rule.integer || Number.isInteger(number)) &&
    (rule.min === undefined || number >= rule.min) &&
    (rule.max === undefined || number <= rule.max);
  if (!ok) throw invalidOption(driver, option, describeNumber(rule), value);
  return number as number;
}

/** Reads a list of strings: an array, or one string of comma-separated items. */
export function stringListOption(raw: RawOptions, option: string, driver: string): string[] | undefined {
  const value = raw[option];
  if (value === undefined || value === '') return undefined;
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw invalidOption(driver, option, 'a list of strings (comma-separated in the environment)', value);
  }
  const list = items.map((item) => item.trim()).filter((item) => item !== '');
  if (list.length === 0) throw invalidOption(driver, option, 'at least one item', value);
  return list;
}

/** Throws for an option the driver does not know, listing the ones it does. */
export function rejectUnknownOptions(raw: RawOptions, known: readonly string[], driver: string): void {
  for (const option of Object.keys(raw)) {
    if (!known.includes(option)) {
      const accepted = known.length ? `known options: ${known.join(', ')}` : 'this driver takes no options';
      throw new CameraError('INVALID_OPTION', `unknown option "${option}" (${accepted})`, {
        camera: driver,
        option,
      });
    }
  }
}

export function invalidOption(driver: string, option: string, accepts: string, got: unknown): CameraError {
  return new CameraError(
    'INVALID_OPTION',
    `option "${option}" must be ${accepts}, got ${JSON.stringify(got)}`,
    {
      camera: driver,
      option,
    },
  );
}

function describeNumber(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${kind} >= ${rule.min}`;
  if (rule.max !== undefined) return `${kind} <= ${rule.max}`;
  return kind;
}
