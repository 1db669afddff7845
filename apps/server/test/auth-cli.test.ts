// Issue 13: the commands and settings around users: hash-password (stdin, never argv), the security
// settings of a config file and their variables.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { verifyPassword } from '@cam/auth';
import { describe, expect, test } from 'vitest';
import { ConfigError, configFromFile } from '../src/index.js';
import { MAIN, run, writeTempFile } from './helpers.js';

function hashPasswordWith(stdin: string, args: string[] = []) {
  const child = spawn(process.execPath, [MAIN, 'hash-password', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(stdin);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('cam-server hash-password', () => {
  test('prints the scrypt hash of the first line of stdin, which verifies', async () => {
    const result = await hashPasswordWith('correct horse\n');
    expect(result.code, result.stderr).toBe(0);
    const hash = result.stdout.trim();
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
  });

  test('refuses a password in argv and an empty one, with one line', async () => {
    const inArgv = await hashPasswordWith('', ['hunter2']);
    expect(inArgv.code).toBe(1);
    expect(inArgv.stderr).toMatch(/^cam: hash-password takes no arguments/);
    expect(inArgv.stderr).not.toContain('hunter2');
    const empty = await hashPasswordWith('\n');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^cam: empty password/);
  });
});

describe('cam-server link', () => {
  test('needs a key and a known camera; prints a URL with --url', async () => {
    const open = writeTempFile('cam.json', JSON.stringify({ cameras: [{ id: 'front' }] }));
    const noKey = await run(process.execPath, [MAIN, 'link', 'front', '--config', open]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^cam: link needs the server’s signing key/);

    const keyed = writeTempFile(
      'cam.json',
      JSON.stringify({ cameras: [{ id: 'front' }], auth: { keyFile: './k.key' } }),
    );
    const unknown = await run(process.execPath, [MAIN, 'link', 'back', '--config', keyed]);
    expect(unknown.stderr).toBe('cam: no camera "back" (cameras: front)\n');
    const badFor = await run(process.execPath, [MAIN, 'link', 'front', '--for', 'soon', '--config', keyed]);
    expect(badFor.stderr).toMatch(/^cam: --for: expected a lifetime such as 90s/);
    const ok = await run(process.execPath, [
      MAIN,
      'link',
      'front',
      '--for',
      '2h',
      '--url',
      'https://cam.example/',
      '--config',
      keyed,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const link = new URL(ok.stdout.toString().trim());
    expect(link.origin + link.pathname).toBe('https://cam.example/cameras/front/stream');
    const expires = Number(link.searchParams.get('expires'));
    expect(expires - Date.now() / 1000).toBeGreaterThan(7100);
    expect(expires - Date.now() / 1000).toBeLessThanOrEqual(7200);
  });
});

describe('security settings', () => {
  const users = [
    { name: 'a', password: `scrypt$1024$8$1$${'A'.repeat(22)}$${'B'.repeat(43)}`, role: 'admin' },
  ];

  test('absent when nothing is set; a key file next to the config file when users are', () => {
    expect(
      configFromFile(writeTempFile('cam.json', JSON.stringify({ cameras: [{ id: 'a' }] })), {}).security,
    ).toBeUndefined();
    const path = writeTempFile('cam.json', JSON.stringify({ cameras: [{ id: 'a' }], auth: { users } }));
    const security = configFromFile(path, {}).security!;
    expect(security.auth.keyFile).toBe(join(dirname(path), 'cam-auth.key'));
    expect(security.metricsPublic).toBe(false);
  });

  test('TRUST_PROXY and AUTH_KEY_FILE override the file; trustProxy and cors belong at the top level', () => {
    const path = writeTempFile(
      'cam.json',
      JSON.stringify({ cameras: [{ id: 'a' }], trustProxy: ['10.0.0.1'], auth: { users } }),
    );
    const security = configFromFile(path, {
      TRUST_PROXY: '127.0.0.1, 10.0.0.0/8',
      AUTH_KEY_FILE: '/tmp/cam.key',
    }).security!;
    expect(security.auth.trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(security.auth.keyFile).toBe('/tmp/cam.key');

    const misplaced = writeTempFile(
      'cam.json',
      JSON.stringify({ cameras: [{ id: 'a' }], auth: { trustProxy: [] } }),
    );
    expect(() => configFromFile(misplaced, {})).toThrow(ConfigError);
    expect(() => configFromFile(misplaced, {})).toThrow(/auth\.trustProxy: set trustProxy at the top level/);
    const metrics = writeTempFile(
      'cam.json',
      JSON.stringify({ cameras: [{ id: 'a' }], metrics: { public: 'yes' } }),
    );
    expect(() => configFromFile(metrics, {})).toThrow(/metrics: expected \{ public: true \| false \}/);
    const cors = writeTempFile(
      'cam.json',
      JSON.stringify({ cameras: [{ id: 'a' }], cors: { origins: ['https://x.example/path'] } }),
    );
    expect(() => configFromFile(cors, {})).toThrow(/: cors\.origins\[0\]: must be an origin/);
  });
});
