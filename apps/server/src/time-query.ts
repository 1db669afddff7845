import type { IncomingMessage } from 'node:http';

/** A query parameter the route cannot use: which one, and a message that says what it accepts. */
export class BadParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const TIME = 'an ISO 8601 time such as 2026-11-30T04:00:00Z, or a time ago such as -30s, -5m, -2h or -1500ms';
const RELATIVE = /^-(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
/** Must look like a date (`2026-11-30`, with a time or not): `Date.parse` alone takes "1" or "May 5". */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The query parameters of a request; of a repeated name, the first counts. */
export function queryParameters(req: IncomingMessage): Map<string, string> {
  const url = req.url ?? '/';
  const start = url.indexOf('?');
  const query = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(start < 0 ? '' : url.slice(start + 1)))
    if (!query.has(name)) query.set(name, value);
  return query;
}

/** A time parameter (`?at=`, `?from=`, `?to=`) as `Date.now()` milliseconds; relative times count from `now`. */
export function parseTime(name: string, value: string, now: number): number {
  const relative = RELATIVE.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  const time = ISO_DATE.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
  if (Number.isNaN(time))
    throw new BadParameter(name, `parameter "${name}" must be ${TIME}, got ${JSON.stringify(value)}`);
  return time;
}

/** `?speed=N`: a playback rate from 0.1 to 100 (default 1). */
export function parseSpeed(value: string | undefined): number {
  if (value === undefined) return 1;
  const speed = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(speed >= 0.1 && speed <= 100)) {
    throw new BadParameter(
      'speed',
      `parameter "speed" must be a number from 0.1 to 100, got ${JSON.stringify(value)}`,
    );
  }
  return speed;
}

/**
 * `?from&to`: `to` defaults to now and `from` to `defaultSpan` before `to`; `from` must come before `to`.
 */
export function parseRange(
  query: Map<string, string>,
  now: number,
  defaultSpan: number,
): { from: number; to: number } {
  const toValue = query.get('to');
  const fromValue = query.get('from');
  const to = toValue === undefined ? now : parseTime('to', toValue, now);
  const from = fromValue === undefined ? to - defaultSpan : parseTime('from', fromValue, now);
  if (from > to) {
    throw new BadParameter(
      'from',
      `parameter "from" (${new Date(from).toISOString()}) must not be later than "to" (${new Date(to).toISOString()})`,
    );
  }
  return { from, to };
}
