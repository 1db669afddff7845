// A bad configuration stops the real server at start: one line on stderr that names the variable and
// what it accepts, exit code 1, and nothing ever listening.
import { describe, expect, test } from 'vitest';
import { occupyPort, runServerToExit } from './helpers.js';

/** Asserts a refused start and returns its one stderr line. */
async function refusedStart(env: Record<string, string>): Promise<string> {
  const result = await runServerToExit(env);
  expect(result.code, `exit code; stderr: ${result.stderr}`).toBe(1);
  expect(result.signal).toBeNull();
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, 'exactly one line on stderr').toHaveLength(1);
  expect(lines[0]).toMatch(/^cam: /);
  // Nothing started: no "listening on" line, and no camera.
  expect(result.logs.map((line) => line.msg)).not.toContainEqual(expect.stringMatching(/^listening on/));
  expect(result.logs.map((line) => line.msg)).not.toContain('camera started');
  return lines[0]!;
}

describe('a bad environment stops the start', () => {
  test.each([
    ['PORT=abc', { PORT: 'abc' }, /^cam: invalid PORT="abc": expected an integer from 0 to 65535$/],
    ['PORT=70000', { PORT: '70000' }, /^cam: invalid PORT="70000": expected an integer from 0 to 65535$/],
    [
      'IDLE_TIMEOUT=-1',
      { IDLE_TIMEOUT: '-1' },
      /^cam: invalid IDLE_TIMEOUT="-1": expected a number of seconds greater than 0$/,
    ],
    [
      'LOG_LEVEL=loud',
      { LOG_LEVEL: 'loud' },
      /^cam: invalid LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent$/,
    ],
    [
      'CAMERA_FPS=fast',
      { CAMERA_FPS: 'fast' },
      /^cam: invalid CAMERA_FPS for the emulated driver: .*must be a number from 0\.01 to 1000, got "fast"$/,
    ],
    [
      'CAMERA_COLOUR=red',
      { CAMERA_COLOUR: 'red' },
      /^cam: invalid CAMERA_COLOUR for the emulated driver: unknown option "colour" \(known options: fps, frames\)$/,
    ],
    [
      'CAMERA_FRAMES=<missing file>',
      { CAMERA_FRAMES: '/nonexistent/cam-frames' },
      /^cam: invalid CAMERA_FRAMES for the emulated driver: .*"\/nonexistent\/cam-frames" does not exist/,
    ],
    [
      'HOST=<not this machine>',
      { HOST: '192.0.2.1' },
      /^cam: HOST="192\.0\.2\.1" is not an address of this machine$/,
    ],
  ])('%s', async (_name, env, message) => {
    expect(await refusedStart(env)).toMatch(message);
  });

  test('CAMERA=nope: the message lists the installed drivers', async () => {
    const line = await refusedStart({ CAMERA: 'nope' });
    expect(line).toMatch(
      /^cam: unknown camera driver "nope": no package @cam\/driver-nope or nope is installed/,
    );
    const installed = /Installed drivers: (.*)$/.exec(line)?.[1]?.split(', ');
    expect(installed).toContain('emulated');
  });

  test('a PORT already in use is named, with what to do', async () => {
    const port = await occupyPort('127.0.0.1');
    const line = await refusedStart({ PORT: String(port), HOST: '127.0.0.1' });
    expect(line).toBe(
      `cam: PORT=${port} is already in use on 127.0.0.1: stop the other server or choose another PORT`,
    );
  });
});
