// cam-server as users run it: through pnpm from the repository, with --help, --version, --config,
// check-config, relative paths as the user means them, and Ctrl-C that ends quietly with exit code 0.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultFrameFiles } from '@cam/driver-emulated';
import { describe, expect, test, vi } from 'vitest';
import { jsonLines, pressCtrlC, REPO_ROOT, runPnpm, workspaceTempDir } from './through-pnpm.js';

const SERVER_DIR = join(REPO_ROOT, 'apps/server');
const VERSION = JSON.parse(readFileSync(join(SERVER_DIR, 'package.json'), 'utf8')).version as string;
const ENV = { PORT: '0', HOST: '127.0.0.1' };

/** The variables of the README's configuration tables: `| \`NAME\` | ...`. */
function documentedVariables(): string[] {
  const readme = readFileSync(join(SERVER_DIR, 'README.md'), 'utf8');
  return [...readme.matchAll(/^\| `([A-Z][A-Z0-9_<>]*)` \|/gm)].map((match) => match[1]!);
}

async function listeningPort(run: ReturnType<typeof runPnpm>): Promise<number> {
  return vi.waitFor(
    () => {
      const line = jsonLines(run.stdout).find((l) => String(l.msg).startsWith('listening on'));
      if (!line) throw new Error(`not listening yet; stdout ${run.stdout}; stderr ${run.stderr}`);
      return line.port as number;
    },
    { timeout: 30_000, interval: 100 },
  );
}

async function cameraIds(port: number): Promise<string[]> {
  const body = (await (await fetch(`http://127.0.0.1:${port}/api/cameras`)).json()) as {
    cameras: { id: string }[];
  };
  return body.cameras.map((camera) => camera.id);
}

describe('--help and --version', () => {
  test('pnpm start -- --help lists every option, command and documented variable', async () => {
    const run = runPnpm(['start', '--', '--help'], REPO_ROOT);
    expect(await run.exited).toBe(0);
    for (const option of ['--config <path>', '--help', '--version', 'check-config']) {
      expect(run.stdout).toContain(option);
    }
    const variables = documentedVariables();
    expect(variables.length).toBeGreaterThan(8);
    for (const variable of variables) expect(run.stdout, variable).toContain(variable);
    expect(run.stderr).toBe('');
  });

  test('--version and -v print the version from package.json', async () => {
    for (const flag of ['--version', '-v']) {
      const run = runPnpm(['--silent', 'start', flag], REPO_ROOT);
      expect(await run.exited).toBe(0);
      expect(run.stdout).toBe(`${VERSION}\n`);
    }
  });
});

describe('starting with a config file, through pnpm, from where the user stands', () => {
  const CONFIG = 'cameras:\n  - id: porch\n    options: { fps: 5, frames: ./frames }\n';

  function configDir(): string {
    const dir = workspaceTempDir();
    writeFileSync(join(dir, 'cam.yaml'), CONFIG);
    mkdirSync(join(dir, 'frames'));
    writeFileSync(join(dir, 'frames', 'a.jpg'), readFileSync(defaultFrameFiles()[0]!));
    return dir;
  }

  test.each([
    ['pnpm start -- --config cam.yaml', ['start', '--', '--config', 'cam.yaml']],
    [
      'pnpm --filter server start -- --config cam.yaml',
      ['--filter', 'server', 'start', '--', '--config', 'cam.yaml'],
    ],
  ])('%s runs, and Ctrl-C ends it with 0 and no pnpm error', { timeout: 60_000 }, async (_name, args) => {
    const run = runPnpm(args, configDir(), ENV);
    const port = await listeningPort(run);
    expect(await cameraIds(port)).toEqual(['porch']);
    // frames: ./frames, relative to the config file's directory
    const snapshot = await fetch(`http://127.0.0.1:${port}/snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    pressCtrlC(run);
    expect(await run.exited).toBe(0);
    expect(jsonLines(run.stdout).at(-1)?.msg).toBe('stopped');
    expect(run.stdout).not.toMatch(/ERR_PNPM|ELIFECYCLE|Tasks:|turbo/);
    expect(run.stderr).toBe('');
  });

  test('paths in the file are relative to the file, not to where the command ran', async () => {
    const dir = configDir();
    const elsewhere = workspaceTempDir();
    const run = runPnpm(['--silent', 'start', 'check-config', join(dir, 'cam.yaml')], elsewhere);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toContain(`frames: ${join(dir, 'frames')}`);
  });

  test('CAMERA_FRAMES=./my-jpegs resolves against the directory the command ran in', async () => {
    const dir = configDir();
    const run = runPnpm(['--silent', 'start', 'check-config'], dir, { CAMERA_FRAMES: './frames' });
    expect(await run.exited, run.stderr).toBe(0);
    expect(run.stdout).toContain('frames: ./frames');
  });

  test('a missing file: one line on stderr with its absolute path, exit code 1', async () => {
    const dir = workspaceTempDir();
    const run = runPnpm(['start', '--', '--config', 'missing.yaml'], dir, ENV);
    expect(await run.exited).toBe(1);
    expect(run.stderr).toBe(
      `cam: cannot read the config file ${join(dir, 'missing.yaml')}: ENOENT: no such file or directory, ` +
        `open '${join(dir, 'missing.yaml')}'\n`,
    );
  });

  test('a missing frames directory from the environment names its absolute path', async () => {
    const dir = workspaceTempDir();
    const run = runPnpm(['--silent', 'start'], dir, { ...ENV, CAMERA_FRAMES: './my-jpegs' });
    expect(await run.exited).toBe(1);
    expect(run.stderr).toContain(join(dir, 'my-jpegs'));
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('check-config', () => {
  test('prints the effective config and exits 0; a bad one exits 1 with the reason', async () => {
    const dir = workspaceTempDir();
    writeFileSync(join(dir, 'good.yaml'), 'maxViewers: 3\ncameras:\n  - id: one\n    options: { fps: 2 }\n');
    writeFileSync(join(dir, 'bad.yaml'), 'cameras:\n  - id: one\n    options: { fps: fast }\n');

    const good = runPnpm(['--silent', 'start', 'check-config', 'good.yaml'], dir);
    expect(await good.exited, good.stderr).toBe(0);
    expect(good.stdout).toMatch(
      /^port: 5000\nhost: 0\.0\.0\.0\nlogLevel: info\nmaxViewers: 3\ncameras:\n {2}- id: one\n/,
    );
    expect(good.stdout).toContain('idleTimeout: 10');

    const bad = runPnpm(['--silent', 'start', 'check-config', 'bad.yaml'], dir);
    expect(await bad.exited).toBe(1);
    expect(bad.stderr).toMatch(
      /^cam: invalid cameras\[0\] \("one"\)\.options\.fps in .*bad\.yaml .*got "fast"\n$/,
    );
  });

  test('an unknown command is refused with the list of commands', async () => {
    const run = runPnpm(['--silent', 'start', 'hash-pasword'], REPO_ROOT);
    expect(await run.exited).toBe(1);
    expect(run.stderr).toBe(
      'cam: unknown argument "hash-pasword" (commands: check-config, hash-password, link): see cam-server --help\n',
    );
  });
});
