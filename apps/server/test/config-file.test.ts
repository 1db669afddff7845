// Several cameras from a JSON or YAML config file: the parsing and validation (configFromFile,
// loadConfig), and the real server started with `--config <path>` or CAM_CONFIG, or refusing to start.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, configFromFile, loadConfig, type ServerConfig } from '../src/index.js';
import {
  getJson,
  jpegLabel,
  runServerToExit,
  startServer,
  tempDir,
  writeFrames,
  writeTempFile,
} from './helpers.js';

/** The configuration as data (without its describeOption functions, with no undefined keys), to compare. */
function plain(config: ServerConfig) {
  return JSON.parse(JSON.stringify(config));
}

const TWO_CAMERAS_YAML = `# two emulated cameras
port: 8080
host: 127.0.0.1
logLevel: debug
idleTimeout: 2.5
maxViewers: 8
cameras:
  - id: front
    options:
      fps: 10
  - id: back
    driver: emulated
    options:
      fps: 5
      frames: [/srv/a.jpg, /srv/b.jpg]
    idleTimeout: 1
    maxViewers: 2
`;

const TWO_CAMERAS_JSON = JSON.stringify({
  port: 8080,
  host: '127.0.0.1',
  logLevel: 'debug',
  idleTimeout: 2.5,
  maxViewers: 8,
  cameras: [
    { id: 'front', options: { fps: 10 } },
    {
      id: 'back',
      driver: 'emulated',
      options: { fps: 5, frames: ['/srv/a.jpg', '/srv/b.jpg'] },
      idleTimeout: 1,
      maxViewers: 2,
    },
  ],
});

const TWO_CAMERAS = {
  port: 8080,
  host: '127.0.0.1',
  logLevel: 'debug',
  maxViewers: 8,
  stalledViewerTimeout: 30_000,
  allowedHosts: [],
  cameras: [
    { id: 'front', driver: 'emulated', options: { fps: 10 }, idleTimeout: 2500 },
    {
      id: 'back',
      driver: 'emulated',
      options: { fps: 5, frames: ['/srv/a.jpg', '/srv/b.jpg'] },
      idleTimeout: 1000,
      maxViewers: 2,
    },
  ],
};

/** The ConfigError that `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('configFromFile', () => {
  test('reads YAML: every key, driver options passed through as typed values, times in ms', () => {
    const path = writeTempFile('cam.yaml', TWO_CAMERAS_YAML);
    const config = configFromFile(path, {});
    expect(plain(config)).toEqual(TWO_CAMERAS);
    // A driver option is named, in messages, by where it is in the file.
    expect(config.cameras[1]!.describeOption('fps')).toBe(`cameras[1] ("back").options.fps in ${path}`);
    expect(config.cameras[0]!.describeOption('frames')).toBe(
      `cameras[0] ("front").options.frames in ${path}`,
    );
  });

  test('reads the same configuration from JSON', () => {
    const path = writeTempFile('cam.json', TWO_CAMERAS_JSON);
    expect(plain(configFromFile(path, {}))).toEqual(TWO_CAMERAS);
  });

  test('defaults: port 5000 on 0.0.0.0, info logs, emulated driver, no options, 10 s idle timeout, no caps', () => {
    const config = configFromFile(writeTempFile('cam.yaml', 'cameras:\n  - id: only\n'), {});
    expect(config).toMatchObject({ port: 5000, host: '0.0.0.0', logLevel: 'info', maxViewers: undefined });
    expect(config.cameras).toHaveLength(1);
    expect(config.cameras[0]).toMatchObject({
      id: 'only',
      driver: 'emulated',
      options: {},
      idleTimeout: 10_000,
      maxViewers: undefined,
    });
  });

  test('limits, allowed hosts and watchdog timeouts: in the file, per camera, and from the environment', () => {
    const path = writeTempFile(
      'cam.yaml',
      [
        'stalledViewerTimeout: 12',
        'allowedHosts: [Cam.Example, other.example]',
        'startTimeout: 4',
        'stallTimeout: 2',
        'cameras:',
        '  - id: a',
        '  - id: b',
        '    startTimeout: 0.5',
        '    stallTimeout: 1.5',
      ].join('\n'),
    );
    const config = configFromFile(path, {});
    expect(config).toMatchObject({
      stalledViewerTimeout: 12_000,
      allowedHosts: ['cam.example', 'other.example'],
    });
    expect(config.cameras.map(({ startTimeout, stallTimeout }) => ({ startTimeout, stallTimeout }))).toEqual([
      { startTimeout: 4000, stallTimeout: 2000 },
      { startTimeout: 500, stallTimeout: 1500 },
    ]);
    const overridden = configFromFile(path, { STALLED_VIEWER_TIMEOUT: '3', ALLOWED_HOSTS: '*' });
    expect(overridden).toMatchObject({ stalledViewerTimeout: 3000, allowedHosts: ['*'] });
  });

  test('recording: record (dir next to the file, times in ms), replaySeconds, replayBytes, recordings.maxBytes', () => {
    const path = writeTempFile(
      'cam.yaml',
      [
        'recordings: { maxBytes: 5000000000 }',
        'cameras:',
        '  - id: a',
        '    record: { dir: ./rec, segmentSeconds: 30, retain: { maxAge: 3600, maxBytes: 1000000 } }',
        '    replaySeconds: 20',
        '    replayBytes: 8000000',
        '  - id: b',
        '    record: { mode: off, dir: /var/rec }',
      ].join('\n'),
    );
    const config = configFromFile(path, {});
    expect(config.recordings).toEqual({ maxBytes: 5_000_000_000 });
    const [a, b] = config.cameras;
    expect(a).toMatchObject({
      record: {
        mode: 'continuous',
        dir: join(path, '..', 'rec'),
        segmentSeconds: 30,
        retain: { maxAge: 3_600_000, maxBytes: 1_000_000 },
      },
      replayMs: 20_000,
      replayBytes: 8_000_000,
    });
    expect(b!.record).toMatchObject({ mode: 'off', dir: '/var/rec', segmentSeconds: 60 });
    expect(b!.replayMs).toBeUndefined();
  });

  test('PORT, HOST, LOG_LEVEL and MAX_VIEWERS from the environment override the file', () => {
    const path = writeTempFile('cam.yaml', TWO_CAMERAS_YAML);
    const config = configFromFile(path, { PORT: '0', HOST: '::1', LOG_LEVEL: 'warn', MAX_VIEWERS: '3' });
    expect(config).toMatchObject({ port: 0, host: '::1', logLevel: 'warn', maxViewers: 3 });
    // Only the server-wide values: the cameras are the file's.
    expect(plain(config).cameras).toEqual(TWO_CAMERAS.cameras);
  });

  test('blank environment variables do not override the file', () => {
    const path = writeTempFile('cam.yaml', TWO_CAMERAS_YAML);
    const config = configFromFile(path, { PORT: '', HOST: ' ', LOG_LEVEL: '', MAX_VIEWERS: '\t' });
    expect(plain(config)).toEqual(TWO_CAMERAS);
  });

  test('a bad override from the environment is named as the variable', () => {
    const path = writeTempFile('cam.yaml', TWO_CAMERAS_YAML);
    expect(configError(() => configFromFile(path, { MAX_VIEWERS: '0' })).message).toBe(
      'invalid MAX_VIEWERS="0": expected a whole number greater than 0',
    );
    expect(configError(() => configFromFile(path, { PORT: 'abc' })).message).toBe(
      'invalid PORT="abc": expected an integer from 0 to 65535',
    );
  });

  test.each([
    [
      'a duplicate id',
      'cameras:\n  - id: front\n  - id: back\n  - id: front\n',
      'cameras[2] ("front").id: expected a unique id ("front" is taken)',
    ],
    [
      'a bad id',
      'cameras:\n  - id: front\n  - id: "back door"\n',
      'cameras[1] ("back door").id: expected letters, digits, "-" and "_" (at most 64), starting with a letter or digit',
    ],
    [
      'a camera without id',
      'cameras:\n  - driver: emulated\n',
      'cameras[0].id: expected letters, digits, "-" and "_" (at most 64), starting with a letter or digit',
    ],
    [
      'an unknown key at the top',
      'colour: red\ncameras:\n  - id: front\n',
      'colour: unknown key (known keys: port, host, logLevel, idleTimeout, maxViewers, stalledViewerTimeout, ' +
        'allowedHosts, startTimeout, stallTimeout, recordings, cameras, tls, auth, trustProxy, cors, metrics)',
    ],
    [
      'a record without dir',
      'cameras:\n  - id: front\n    record: { mode: continuous }\n',
      'cameras[0] ("front").record.dir: expected a directory path',
    ],
    [
      'a bad record mode',
      'cameras:\n  - id: front\n    record: { mode: sometimes, dir: rec }\n',
      'cameras[0] ("front").record.mode: expected continuous or off',
    ],
    [
      'an unknown retain key',
      'cameras:\n  - id: front\n    record: { dir: rec, retain: { maxFiles: 3 } }\n',
      'cameras[0] ("front").record.retain.maxFiles: unknown key (known keys: maxAge, maxBytes, minFreeBytes)',
    ],
    [
      'a fractional replayBytes',
      'cameras:\n  - id: front\n    replaySeconds: 10\n    replayBytes: 1.5\n',
      'cameras[0] ("front").replayBytes: expected a whole number of bytes greater than 0',
    ],
    [
      'an unknown key in a camera (a driver option outside `options`)',
      'cameras:\n  - id: front\n  - id: back\n    fps: 5\n',
      /^cameras\[1\] \("back"\)\.fps: unknown key \(known keys: id, driver, options, idleTimeout, maxViewers\b.*\)$/,
    ],
    ['no cameras', 'port: 5000\n', 'cameras: expected a list of at least one camera'],
    ['an empty list of cameras', 'cameras: []\n', 'cameras: expected a list of at least one camera'],
    ['an empty file', '', 'cameras: expected a list of at least one camera'],
    [
      'a file that is not a mapping',
      'just words\n',
      'the file: expected a mapping of settings with a "cameras" list',
    ],
    [
      'cameras that are not a list',
      'cameras:\n  front: {}\n',
      'cameras: expected a list of at least one camera',
    ],
    [
      'a camera maxViewers of 0',
      'cameras:\n  - id: front\n  - id: back\n    maxViewers: 0\n',
      'cameras[1] ("back").maxViewers: expected a whole number greater than 0',
    ],
    [
      'a camera maxViewers that is not a number',
      'cameras:\n  - id: front\n    maxViewers: lots\n',
      'cameras[0] ("front").maxViewers: expected a whole number greater than 0',
    ],
    [
      'a fractional total maxViewers',
      'maxViewers: 1.5\ncameras:\n  - id: front\n',
      'maxViewers: expected a whole number greater than 0',
    ],
    [
      'a negative idleTimeout',
      'cameras:\n  - id: front\n    idleTimeout: -1\n',
      'cameras[0] ("front").idleTimeout: expected a number of seconds greater than 0',
    ],
    ['a bad port', 'port: 70000\ncameras:\n  - id: front\n', 'port: expected an integer from 0 to 65535'],
    [
      'a bad log level',
      'logLevel: loud\ncameras:\n  - id: front\n',
      'logLevel: expected one of fatal, error, warn, info, debug, trace, silent',
    ],
    [
      'a bad driver name',
      'cameras:\n  - id: front\n    driver: "no such"\n',
      'cameras[0] ("front").driver: expected a driver name such as "emulated", a package name, or a path to a driver file ("./my-driver.js")',
    ],
    [
      'a driver that is not a string',
      'cameras:\n  - id: front\n    driver: 5\n',
      'cameras[0] ("front").driver: expected a driver name such as "emulated", a package name, or a path to a driver file ("./my-driver.js")',
    ],
    [
      'a host that is not a string',
      'host: 5\ncameras:\n  - id: front\n',
      'host: expected a host name or IP address to listen on',
    ],
    [
      'a camera that is not a mapping',
      'cameras:\n  - front\n',
      'cameras[0]: expected a camera: a mapping with at least an "id"',
    ],
    [
      'options that are not a mapping',
      'cameras:\n  - id: front\n    options: [10]\n',
      'cameras[0] ("front").options: expected a mapping of driver options',
    ],
  ])('refuses %s, naming where and what is accepted', (_name, text, expected) => {
    const path = writeTempFile('cam.yaml', text);
    const { message } = configError(() => configFromFile(path, {}));
    const prefix = `invalid config file ${path}: `;
    expect(message.startsWith(prefix), message).toBe(true);
    if (typeof expected === 'string') expect(message.slice(prefix.length)).toBe(expected);
    else expect(message.slice(prefix.length)).toMatch(expected);
  });

  test('refuses invalid YAML with one line saying where', () => {
    const path = writeTempFile('cam.yaml', 'cameras:\n  - id: front\n   options: [\n');
    const { message } = configError(() => configFromFile(path, {}));
    expect(message).toMatch(
      new RegExp(`^the config file ${path} is not valid JSON or YAML: .* at line \\d+, column \\d+$`),
    );
  });

  test('refuses invalid JSON with one line saying where', () => {
    const path = writeTempFile('cam.json', '{"cameras": [{"id": "front"}');
    const { message } = configError(() => configFromFile(path, {}));
    expect(message).toMatch(
      new RegExp(`^the config file ${path} is not valid JSON or YAML: .* at line 1, column \\d+$`),
    );
  });

  test('refuses a file it cannot read: missing, or a directory', () => {
    const missing = join(tempDir(), 'nope.yaml');
    expect(configError(() => configFromFile(missing, {})).message).toBe(
      `cannot read the config file ${missing}: ENOENT: no such file or directory, open '${missing}'`,
    );
    const dir = tempDir();
    expect(configError(() => configFromFile(dir, {})).message).toMatch(
      new RegExp(`^cannot read the config file ${dir}: EISDIR`),
    );
  });

  test.each([
    [{ CAMERA: 'emulated' }, 'CAMERA'],
    [{ CAMERA_FPS: '5' }, 'CAMERA_FPS'],
    [{ IDLE_TIMEOUT: '3' }, 'IDLE_TIMEOUT'],
    [{ OPENCV_CAMERA_SOURCE: '0' }, 'OPENCV_CAMERA_SOURCE'],
    [{ START_TIMEOUT: '2' }, 'START_TIMEOUT'],
    [{ STALL_TIMEOUT: '2' }, 'STALL_TIMEOUT'],
    [{ CAMERA: 'emulated', CAMERA_FRAMES: '/x', IDLE_TIMEOUT: '1' }, 'CAMERA, CAMERA_FRAMES, IDLE_TIMEOUT'],
  ])('refuses single-camera variables beside a file: %o', (env, names) => {
    const path = writeTempFile('cam.yaml', TWO_CAMERAS_YAML);
    expect(configError(() => configFromFile(path, env)).message).toBe(
      `${names} cannot be used with a config file (${path}), which lists the cameras: set them in the file instead`,
    );
  });

  test('a blank single-camera variable beside a file counts as unset', () => {
    const path = writeTempFile('cam.yaml', TWO_CAMERAS_YAML);
    expect(plain(configFromFile(path, { CAMERA: '', CAMERA_FPS: ' ' }))).toEqual(TWO_CAMERAS);
  });
});

describe('loadConfig', () => {
  const ENV_DEFAULT = plain(loadConfig({}, []));

  test('without a config file: the environment, as before', () => {
    expect(ENV_DEFAULT).toMatchObject({ port: 5000, cameras: [{ driver: 'emulated' }] });
    expect(plain(loadConfig({ CAMERA_FPS: '7', PORT: '81' }, []))).toMatchObject({
      port: 81,
      cameras: [{ options: { fps: '7' } }],
    });
    expect(plain(loadConfig({ CAM_CONFIG: '  ' }, [])), 'a blank CAM_CONFIG is unset').toEqual(ENV_DEFAULT);
  });

  test('--config <path>, --config=<path> and CAM_CONFIG all read the file', () => {
    const path = writeTempFile('cam.yaml', TWO_CAMERAS_YAML);
    expect(plain(loadConfig({}, ['--config', path]))).toEqual(TWO_CAMERAS);
    expect(plain(loadConfig({}, [`--config=${path}`]))).toEqual(TWO_CAMERAS);
    expect(plain(loadConfig({ CAM_CONFIG: path }, []))).toEqual(TWO_CAMERAS);
  });

  test('--config wins over CAM_CONFIG', () => {
    const flag = writeTempFile('flag.yaml', 'cameras:\n  - id: from-flag\n');
    const variable = writeTempFile('variable.yaml', 'cameras:\n  - id: from-variable\n');
    expect(loadConfig({ CAM_CONFIG: variable }, ['--config', flag]).cameras[0]!.id).toBe('from-flag');
  });

  test('environment overrides apply to a file named by CAM_CONFIG', () => {
    const path = writeTempFile('cam.yaml', TWO_CAMERAS_YAML);
    expect(loadConfig({ CAM_CONFIG: path, PORT: '9', MAX_VIEWERS: '1' }, [])).toMatchObject({
      port: 9,
      maxViewers: 1,
    });
  });

  test.each([
    [['--config'], '--config needs a path: --config cam.yaml'],
    [['--config', '--verbose'], '--config needs a path: --config cam.yaml'],
    [['--config='], '--config needs a path: --config cam.yaml'],
    [['--verbose'], 'unknown argument "--verbose": see cam-server --help'],
    [['cam.yaml'], 'unknown argument "cam.yaml": see cam-server --help'],
    [['--config', 'a.yaml', 'b.yaml'], 'unknown argument "b.yaml": see cam-server --help'],
  ])('refuses the arguments %o', (args, message) => {
    expect(configError(() => loadConfig({}, args)).message).toBe(message);
  });

  test('the errors of the file named by CAM_CONFIG are the file errors', () => {
    const missing = join(tempDir(), 'missing.yaml');
    expect(configError(() => loadConfig({ CAM_CONFIG: missing }, [])).message).toMatch(
      /^cannot read the config file .*missing\.yaml: ENOENT/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// The real server

/** A config with `front` (default frames, 10 fps) and `back` (its own labelled frames, 5 fps). */
function twoCameraConfig(format: 'yaml' | 'json' = 'yaml'): { path: string; backFrames: string } {
  const { dir } = writeFrames(['back 1', 'back 2', 'back 3']);
  const config = {
    port: 1, // privileged: the tests' PORT=0 must override it
    host: '0.0.0.0',
    cameras: [
      { id: 'front', options: { fps: 10 } },
      { id: 'back', driver: 'emulated', options: { fps: 5, frames: dir } },
    ],
  };
  const text =
    format === 'json'
      ? JSON.stringify(config)
      : `port: 1\nhost: 0.0.0.0\ncameras:\n  - id: front\n    options: { fps: 10 }\n` +
        `  - id: back\n    driver: emulated\n    options:\n      fps: 5\n      frames: ${dir}\n`;
  return { path: writeTempFile(`cam.${format}`, text), backFrames: dir };
}

describe('the server with a config file', () => {
  test.each([
    ['--config <path>', 'yaml', (path: string) => ({ env: {}, args: ['--config', path] })],
    ['--config=<path>', 'json', (path: string) => ({ env: {}, args: [`--config=${path}`] })],
    ['CAM_CONFIG', 'yaml', (path: string) => ({ env: { CAM_CONFIG: path }, args: [] })],
  ] as const)('starts both cameras from %s (%s)', async (_how, format, how) => {
    const { path } = twoCameraConfig(format);
    const { env, args } = how(path);
    const { proc, url, port } = await startServer(env, args);
    // PORT=0 and HOST=127.0.0.1 from the environment override the file's port 1 and 0.0.0.0.
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const listening = proc.find((line) => line.msg.startsWith('listening on'))[0]!;
    expect(listening.cameras).toEqual([
      { id: 'front', driver: 'emulated' },
      { id: 'back', driver: 'emulated' },
    ]);
    const { body } = await getJson(`${url}/api/cameras`);
    expect(body.cameras.map((camera: { id: string }) => camera.id)).toEqual(['front', 'back']);

    // The back camera's options reached its driver: its snapshot is one of its own frames.
    const snapshot = await fetch(`${url}/cameras/back/snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    expect(jpegLabel(Buffer.from(await snapshot.arrayBuffer()))).toBe('back 1');
    expect(
      proc.find((line) => line.level >= 40),
      'no warnings or errors',
    ).toEqual([]);
  });
});

describe('an invalid config file stops the start', () => {
  /** Runs the server to its exit; asserts exit 1, one stderr line, nothing started; returns the line. */
  async function refusedStart(env: Record<string, string>, args: string[]): Promise<string> {
    const result = await runServerToExit(env, 10_000, args);
    expect(result.code, `exit code; stderr: ${result.stderr}`).toBe(1);
    expect(result.signal).toBeNull();
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines, `exactly one line on stderr: ${result.stderr}`).toHaveLength(1);
    expect(result.logs.map((line) => line.msg)).not.toContainEqual(expect.stringMatching(/^listening on/));
    expect(result.logs.map((line) => line.msg)).not.toContain('camera started');
    return lines[0]!;
  }

  /** A file like the good one, with `back` as given. */
  function configWithBack(back: string): string {
    return writeTempFile(
      'cam.yaml',
      `cameras:\n  - id: front\n    options: { fps: 10 }\n  - id: back\n${back}`,
    );
  }

  test('a bad driver option names the camera, the key, the file and what the driver accepts', async () => {
    const path = configWithBack('    options:\n      fps: fast\n');
    expect(await refusedStart({}, ['--config', path])).toBe(
      `cam: invalid cameras[1] ("back").options.fps in ${path} for the emulated driver: ` +
        'option "fps" must be a number from 0.01 to 1000, got "fast"',
    );
  });

  test('an out-of-range numeric driver option, given through CAM_CONFIG', async () => {
    const path = configWithBack('    options:\n      fps: 5000\n');
    expect(await refusedStart({ CAM_CONFIG: path }, [])).toBe(
      `cam: invalid cameras[1] ("back").options.fps in ${path} for the emulated driver: ` +
        'option "fps" must be a number from 0.01 to 1000, got 5000',
    );
  });

  test('an unknown driver option and a missing frames directory', async () => {
    const unknown = configWithBack('    options:\n      colour: red\n');
    expect(await refusedStart({}, ['--config', unknown])).toBe(
      `cam: invalid cameras[1] ("back").options.colour in ${unknown} for the emulated driver: ` +
        'unknown option "colour" (known options: fps, frames)',
    );
    const missingDir = join(tempDir(), 'gone');
    const frames = configWithBack(`    options:\n      frames: ${missingDir}\n`);
    expect(await refusedStart({}, ['--config', frames])).toMatch(
      new RegExp(
        `^cam: invalid cameras\\[1\\] \\("back"\\)\\.options\\.frames in ${frames} for the emulated driver: .*"${missingDir}" does not exist`,
      ),
    );
  });

  test('an unknown driver names the camera and lists the installed drivers', async () => {
    const path = configWithBack('    driver: nope\n');
    expect(await refusedStart({}, ['--config', path])).toMatch(
      /^cam: camera "back": unknown camera driver "nope": no package @cam\/driver-nope or nope is installed\. Installed drivers: .*emulated/,
    );
  });

  test.each([
    [
      'a duplicate id',
      '    options: {}\n  - id: front\n',
      'cameras[2] ("front").id: expected a unique id ("front" is taken)',
    ],
    [
      'a bad maxViewers',
      '    maxViewers: -2\n',
      'cameras[1] ("back").maxViewers: expected a whole number greater than 0',
    ],
    [
      'an unknown key',
      '    colour: red\n',
      'cameras[1] ("back").colour: unknown key (known keys: id, driver, ',
    ],
  ])('%s', async (_name, back, message) => {
    const path = configWithBack(back);
    const line = await refusedStart({}, ['--config', path]);
    expect(line.startsWith(`cam: invalid config file ${path}: ${message}`), line).toBe(true);
  });

  test('no cameras, invalid YAML, a missing file', async () => {
    const empty = writeTempFile('cam.yaml', 'cameras: []\n');
    expect(await refusedStart({}, ['--config', empty])).toBe(
      `cam: invalid config file ${empty}: cameras: expected a list of at least one camera`,
    );
    const broken = writeTempFile('cam.yaml', 'cameras:\n  - id: front\n   options: [\n');
    expect(await refusedStart({}, ['--config', broken])).toMatch(
      new RegExp(`^cam: the config file ${broken} is not valid JSON or YAML: .* at line \\d+, column \\d+$`),
    );
    const missing = join(tempDir(), 'missing.yaml');
    expect(await refusedStart({ CAM_CONFIG: missing }, [])).toBe(
      `cam: cannot read the config file ${missing}: ENOENT: no such file or directory, open '${missing}'`,
    );
  });

  test('CAMERA beside a config file, --config without a path, an unknown argument', async () => {
    const { path } = twoCameraConfig();
    expect(await refusedStart({ CAMERA: 'emulated' }, ['--config', path])).toBe(
      `cam: CAMERA cannot be used with a config file (${path}), which lists the cameras: set them in the file instead`,
    );
    expect(await refusedStart({}, ['--config'])).toBe('cam: --config needs a path: --config cam.yaml');
    expect(await refusedStart({}, ['--verbose'])).toBe(
      'cam: unknown argument "--verbose": see cam-server --help',
    );
  });

  test('a frames directory emptied before the start is refused too', async () => {
    const dir = join(tempDir(), 'empty');
    mkdirSync(dir);
    const path = configWithBack(`    options:\n      frames: ${dir}\n`);
    expect(await refusedStart({}, ['--config', path])).toMatch(/holds no \.jpg or \.jpeg files/);
  });
});
