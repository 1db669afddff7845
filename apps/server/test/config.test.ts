import { describe, expect, test, vi } from 'vitest';
import { ConfigError, configFromEnv, driverOptionVariable } from '../src/index.js';
import { missingToolNote, requireTool } from './helpers.js';

/** The configuration as data (without its describeOption functions), to compare. */
function plain(config: ReturnType<typeof configFromEnv>) {
  return JSON.parse(JSON.stringify(config));
}

describe('configFromEnv', () => {
  test('defaults: the emulated camera on 0.0.0.0:5000, 10 s idle timeout, info logs, no driver options', () => {
    expect(plain(configFromEnv({}))).toEqual({
      port: 5000,
      host: '0.0.0.0',
      logLevel: 'info',
      stalledViewerTimeout: 30_000,
      allowedHosts: [],
      // No id: the camera takes its driver's name once the driver is loaded.
      cameras: [{ driver: 'emulated', options: {}, idleTimeout: 10_000 }],
    });
  });

  test('reads every variable; IDLE_TIMEOUT is in seconds and becomes milliseconds', () => {
    const config = configFromEnv({
      CAMERA: '@acme/cam-driver',
      PORT: '8080',
      HOST: '::1',
      IDLE_TIMEOUT: '2.5',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({ port: 8080, host: '::1', logLevel: 'debug' });
    expect(config.cameras[0]).toMatchObject({ driver: '@acme/cam-driver', idleTimeout: 2500 });
    expect(config.cameras[0]!.id).toBeUndefined();
  });

  test.each(['./my-driver.js', '../drivers/x.mjs', '/opt/cam/driver.js', 'file:///opt/cam/driver.js'])(
    'CAMERA=%s is a path to a driver file',
    (path) => {
      expect(configFromEnv({ CAMERA: path }).cameras[0]!.driver).toBe(path);
    },
  );

  test('CAMERA_<OPTION> variables become driver options in camelCase, as strings', () => {
    const config = configFromEnv({
      CAMERA_FPS: '10',
      CAMERA_FRAME_RATE: '30',
      CAMERA_FRAMES: '/a.jpg,/b.jpg',
      CAMERA_SOME_LONG_NAME: 'x',
      CAMERA: 'emulated', // the driver itself, not an option
      PATH: '/usr/bin', // unrelated variables are ignored
    });
    expect(config.cameras[0]!.options).toEqual({
      fps: '10',
      frameRate: '30',
      frames: '/a.jpg,/b.jpg',
      someLongName: 'x',
    });
  });

  test('empty strings count as unset, for the server and for driver options', () => {
    const empty = { CAMERA: '', PORT: '', HOST: '', IDLE_TIMEOUT: '', LOG_LEVEL: '', CAMERA_FPS: '' };
    expect(plain(configFromEnv(empty))).toEqual(plain(configFromEnv({})));
  });

  test('a value of only blanks counts as unset too (PORT=" " must not become port 0)', () => {
    const blank = { PORT: ' ', HOST: '  ', IDLE_TIMEOUT: '\t', CAMERA_FPS: ' ' };
    expect(plain(configFromEnv(blank))).toEqual(plain(configFromEnv({})));
  });

  test('the limits, the Host check and the watchdogs: seconds become milliseconds, names lower case', () => {
    const config = configFromEnv({
      STALLED_VIEWER_TIMEOUT: '2.5',
      ALLOWED_HOSTS: 'Cam.Example, other.example',
      START_TIMEOUT: '4',
      STALL_TIMEOUT: '0.5',
      IDLE_TIMEOUT: '0.001',
    });
    expect(config).toMatchObject({
      stalledViewerTimeout: 2500,
      allowedHosts: ['cam.example', 'other.example'],
    });
    expect(config.cameras[0]).toMatchObject({ startTimeout: 4000, stallTimeout: 500, idleTimeout: 1 });
    expect(configFromEnv({ ALLOWED_HOSTS: '*' }).allowedHosts).toEqual(['*']);
    expect(configFromEnv({}).cameras[0]).toMatchObject({ startTimeout: undefined, stallTimeout: undefined });
  });

  test('PORT 0 (any free port) and 65535 are accepted', () => {
    expect(configFromEnv({ PORT: '0' }).port).toBe(0);
    expect(configFromEnv({ PORT: '65535' }).port).toBe(65535);
  });

  test.each([
    [{ PORT: 'abc' }, 'PORT', /invalid PORT="abc": expected an integer from 0 to 65535/],
    [{ PORT: '70000' }, 'PORT', /invalid PORT="70000": expected an integer from 0 to 65535/],
    [{ PORT: '-1' }, 'PORT', /integer from 0 to 65535/],
    [{ PORT: '80.5' }, 'PORT', /integer from 0 to 65535/],
    // Decimal only: Number() would read these as 5201 and 1000.
    [{ PORT: '0x1451' }, 'PORT', /invalid PORT="0x1451": expected an integer from 0 to 65535/],
    [{ PORT: '1e3' }, 'PORT', /integer from 0 to 65535/],
    [
      { MAX_VIEWERS: '0x10' },
      'MAX_VIEWERS',
      /invalid MAX_VIEWERS="0x10": expected a whole number greater than 0/,
    ],
    // 0.0001 s is 0.1 ms: it would round to 0 ms, which no timer can mean.
    [
      { IDLE_TIMEOUT: '0.0001' },
      'IDLE_TIMEOUT',
      /invalid IDLE_TIMEOUT="0.0001": expected at least 0.001 seconds/,
    ],
    [{ STALLED_VIEWER_TIMEOUT: '0' }, 'STALLED_VIEWER_TIMEOUT', /greater than 0/],
    [{ START_TIMEOUT: '0.0001' }, 'START_TIMEOUT', /at least 0.001 seconds/],
    [{ STALL_TIMEOUT: 'never' }, 'STALL_TIMEOUT', /a number of seconds greater than 0/],
    [{ ALLOWED_HOSTS: 'a.example,,b.example' }, 'ALLOWED_HOSTS', /host names separated by commas/],
    [
      { IDLE_TIMEOUT: '-1' },
      'IDLE_TIMEOUT',
      /invalid IDLE_TIMEOUT="-1": expected a number of seconds greater than 0/,
    ],
    [{ IDLE_TIMEOUT: '0' }, 'IDLE_TIMEOUT', /greater than 0/],
    [{ IDLE_TIMEOUT: 'soon' }, 'IDLE_TIMEOUT', /greater than 0/],
    [{ IDLE_TIMEOUT: '100000' }, 'IDLE_TIMEOUT', /at most 86400 seconds/],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL',
      /invalid LOG_LEVEL="loud": expected one of fatal, error, warn, info/,
    ],
    [{ CAMERA: 'no such driver' }, 'CAMERA', /invalid CAMERA="no such driver": expected a driver name/],
  ])('%o is refused with a ConfigError naming %s and what it accepts', (env, variable, message) => {
    let error: unknown;
    try {
      configFromEnv(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`${variable}=`);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('driverOptionVariable', () => {
  test('spells an option the way the environment does', () => {
    expect(driverOptionVariable('fps')).toBe('CAMERA_FPS');
    expect(driverOptionVariable('frames')).toBe('CAMERA_FRAMES');
    expect(driverOptionVariable('frameRate')).toBe('CAMERA_FRAME_RATE');
    expect(driverOptionVariable('someLongName')).toBe('CAMERA_SOME_LONG_NAME');
  });

  test('round-trips with configFromEnv', () => {
    for (const option of ['fps', 'frames', 'frameRate', 'device', 'someLongName']) {
      expect(configFromEnv({ [driverOptionVariable(option)]: 'v' }).cameras[0]!.options).toEqual({
        [option]: 'v',
      });
    }
  });
});

describe('requireTool (the rule for tests that need an installed tool)', () => {
  const missing = 'cam-test-no-such-tool';

  test('runs the test when the tool is on PATH or at the given path', () => {
    expect(requireTool('node', 'unused', { PATH: process.env.PATH })).toBe(true);
    expect(requireTool(process.execPath, 'unused', {})).toBe(true);
  });

  test('skips, with an install hint, when the tool is missing', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(requireTool(missing, 'apt-get install it', { PATH: '/nonexistent' })).toBe(false);
      expect(requireTool('/nonexistent/tool', 'hint', {})).toBe(false);
      expect(missingToolNote(missing, 'apt-get install it')).toMatch(
        /`apt-get install it` enables this test/,
      );
      expect(warn).toHaveBeenCalledWith(`skipped: ${missingToolNote(missing, 'apt-get install it')}`);
    } finally {
      warn.mockRestore();
    }
  });

  test('fails instead of skipping when CAM_TEST_STRICT=1', () => {
    expect(() =>
      requireTool(missing, 'apt-get install it', { PATH: '/nonexistent', CAM_TEST_STRICT: '1' }),
    ).toThrow(
      /cam-test-no-such-tool is not installed: `apt-get install it` enables this test.*CAM_TEST_STRICT=1/,
    );
  });
});

describe('variables of the original project', () => {
  test("OPENCV_CAMERA_SOURCE sets the opencv driver's source option", () => {
    expect(configFromEnv({ CAMERA: 'opencv', OPENCV_CAMERA_SOURCE: '1' }).cameras[0]!.options).toEqual({
      source: '1',
    });
  });

  test('CAMERA_SOURCE wins over OPENCV_CAMERA_SOURCE', () => {
    const env = { CAMERA: 'opencv', OPENCV_CAMERA_SOURCE: '1', CAMERA_SOURCE: '2' };
    expect(configFromEnv(env).cameras[0]!.options).toEqual({ source: '2' });
  });

  test('OPENCV_CAMERA_SOURCE means nothing to other drivers', () => {
    expect(configFromEnv({ CAMERA: 'emulated', OPENCV_CAMERA_SOURCE: '1' }).cameras[0]!.options).toEqual({});
  });
});
