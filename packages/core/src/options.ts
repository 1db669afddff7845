import type { RawOptions } from './driver.js';
import { CameraError } from './errors.js';

// The one reader of driver options, so that every driver reports a bad value the same way: the option's
// name, what it accepts, and what it got. Values from the environment arrive as strings, values from a
// config file as strings, numbers, booleans or lists; an empty string counts as absent.

/** What a number option accepts. Bounds are inclusive, except `above`. */
export interface NumberRule {
  min?: number;
  max?: number;
  /** The value must be greater than this (for "greater than 0"). */
  above?: number;
  integer?: boolean;
}

export interface OptionReaderSettings {
  /** The word for one option in messages: `option` (default), or `parameter` for query parameters. */
  noun?: string;
}

/**
 * Reads raw options one by one: each method validates one option, remembers its name, and returns the
 * typed value (or the default, or `undefined` when absent). `done()` then refuses any option that no
 * method read. Every refusal is a `CameraError` with code `INVALID_OPTION` and `option` set.
 *
 * @example
 * const read = readOptions(raw, 'mine');
 * const options = { fps: read.number('fps', { default: 10, min: 1, max: 60 }), loop: read.boolean('loop') };
 * read.done(); // unknown option "fsp" (known options: fps, loop)
 */
export interface OptionReader {
  /** A number, or a string holding one. */
  number(name: string, rule: NumberRule & { default: number }): number;
  number(name: string, rule?: NumberRule): number | undefined;
  /** A non-empty string; `accepts` describes it in the refusal (default "a non-empty string"). */
  string(name: string, rule: { default: string; accepts?: string }): string;
  string(name: string, rule?: { accepts?: string }): string | undefined;
  /** `true`/`false`, or a string: true, 1, yes, on / false, 0, no, off (any case). */
  boolean(name: string, rule: { default: boolean }): boolean;
  boolean(name: string, rule?: object): boolean | undefined;
  /** A list of strings: an array, or one string of comma-separated items; blank items are dropped. */
  list(name: string, rule: { default: string[] }): string[];
  list(name: string, rule?: object): string[] | undefined;
  /** One of `choices`, compared as text without regard to case; returns the choice itself. */
  choice<T extends string | number>(name: string, choices: readonly T[], rule: { default: T }): T;
  choice<T extends string | number>(name: string, choices: readonly T[], rule?: object): T | undefined;
  /** The raw value for a check of the driver's own, or `undefined` when absent; build refusals with `invalid`. */
  value(name: string): unknown;
  /** The refusal for `name`: `option "<name>" must be <accepts>, got <the value>`. */
  invalid(name: string, accepts: string, got?: unknown): CameraError;
  /** Throws for the first option that no method read, listing the ones that were read. */
  done(): void;
}

/** Starts reading `raw`, the options of the driver named `driver` (it prefixes every message). */
export function readOptions(
  raw: RawOptions,
  driver: string,
  settings: OptionReaderSettings = {},
): OptionReader {
  const noun = settings.noun ?? 'option';
  const known: string[] = [];

  /** The value of `name`, marked as known; undefined when absent or an empty string. */
  const take = (name: string): unknown => {
    if (!known.includes(name)) known.push(name);
    const value = raw[name];
    return value === '' ? undefined : value;
  };
  const invalid = (name: string, accepts: string, got: unknown = raw[name]): CameraError =>
    new CameraError('INVALID_OPTION', `${noun} "${name}" must be ${accepts}, got ${JSON.stringify(got)}`, {
      camera: driver,
      option: name,
    });

  return {
    number(name: string, rule: NumberRule & { default?: number } = {}): number {
      const value = take(name);
      if (value === undefined) return rule.default as number;
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value;
      const ok =
        typeof number === 'number' &&
        Number.isFinite(number) &&
        (!rule.integer || Number.isInteger(number)) &&
        (rule.min === undefined || number >= rule.min) &&
        (rule.max === undefined || number <= rule.max) &&
        (rule.above === undefined || number > rule.above);
      if (!ok) throw invalid(name, describeNumber(rule));
      return number;
    },

    string(name: string, rule: { default?: string; accepts?: string } = {}): string {
      const value = take(name);
      if (value === undefined) return rule.default as string;
      if (typeof value !== 'string' || value.trim() === '') {
        throw invalid(name, rule.accepts ?? 'a non-empty string');
      }
      return value;
    },

    boolean(name: string, rule: { default?: boolean } = {}): boolean {
      const value = take(name);
      if (value === undefined) return rule.default as boolean;
      if (typeof value === 'boolean') return value;
      const text =
        typeof value === 'string' || typeof value === 'number' ? String(value).trim().toLowerCase() : '';
      if (TRUE.includes(text)) return true;
      if (FALSE.includes(text)) return false;
      throw invalid(name, 'true or false (also 1/0, yes/no, on/off)');
    },

    list(name: string, rule: { default?: string[] } = {}): string[] {
      const value = take(name);
      if (value === undefined) return rule.default as string[];
      const items = typeof value === 'string' ? value.split(',') : value;
      if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
        throw invalid(name, 'a list of strings (comma-separated in the environment)');
      }
      const list = items.map((item) => item.trim()).filter((item) => item !== '');
      if (list.length === 0) throw invalid(name, 'at least one item');
      return list;
    },

    choice<T extends string | number>(name: string, choices: readonly T[], rule: { default?: T } = {}): T {
      const value = take(name);
      if (value === undefined) return rule.default as T;
      const text = String(value).trim().toLowerCase();
      const choice = choices.find((item) => String(item).toLowerCase() === text);
      if (choice === undefined || (typeof value !== 'string' && typeof value !== 'number')) {
        throw invalid(name, `one of ${choices.join(', ')}`);
      }
      return choice;
    },

    value: take,
    invalid,

    done(): void {
      for (const option of Object.keys(raw)) {
        if (known.includes(option)) continue;
        const accepted = known.length
          ? `known ${noun}s: ${known.join(', ')}`
          : `this driver takes no ${noun}s`;
        throw new CameraError('INVALID_OPTION', `unknown ${noun} "${option}" (${accepted})`, {
          camera: driver,
          option,
        });
      }
    },
  } as OptionReader;
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

function describeNumber(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  if (rule.above !== undefined) {
    return `${kind} greater than ${rule.above}${rule.max === undefined ? '' : `, at most ${rule.max}`}`;
  }
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${kind} >= ${rule.min}`;
  if (rule.max !== undefined) return `${kind} <= ${rule.max}`;
  return kind;
}
