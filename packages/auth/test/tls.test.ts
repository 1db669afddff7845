// Over real TLS (a certificate openssl makes for the test): the session cookie is marked Secure, and
// Basic and the cookie work with curl as they do over plain HTTP.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { SESSION_COOKIE } from '../src/index.js';
import { requireTool, test, users } from './support.js';

const run = promisify(execFile);
const OPENSSL = '/usr/bin/openssl';
const CURL = '/usr/bin/curl';

test('HTTPS: login sets a Secure cookie that curl then uses; Basic works too', { timeout: 60_000 }, async ({
  start,
  tempDir,
  skip,
}) => {
  const missing =
    requireTool(OPENSSL, 'apt-get install openssl') ?? requireTool(CURL, 'apt-get install curl');
  if (missing) skip(missing);
  const [key, cert] = [`${tempDir}/key.pem`, `${tempDir}/cert.pem`];
  await run(OPENSSL, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const server = await start(
    { users: await users([{ name: 'alice', password: 'alice-pw', role: 'admin' }]) },
    {},
    { tls: { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') } },
  );
  expect(server.url.startsWith('https://')).toBe(true);
  const jar = `${tempDir}/cookies.txt`;
  const curl = (...args: string[]) =>
    run(CURL, ['-s', '--cacert', cert, '-o', '/dev/null', '-w', '%{http_code}', ...args]);

  const login = await run(CURL, [
    '-s',
    '--cacert',
    cert,
    '-c',
    jar,
    '-D',
    '-',
    '-o',
    '/dev/null',
    '--data-urlencode',
    'username=alice',
    '--data-urlencode',
    'password=alice-pw',
    `${server.url}/login`,
  ]);
  expect(login.stdout).toMatch(/^HTTP\/1\.1 303/);
  expect(login.stdout).toMatch(
    new RegExp(
      `set-cookie: ${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure`,
      'i',
    ),
  );
  // curl's cookie jar marks it secure-only (TRUE in the fourth column) and sends it back over HTTPS.
  expect(await readFile(jar, 'utf8')).toMatch(
    new RegExp(`127\\.0\\.0\\.1\\tFALSE\\t/\\tTRUE\\t\\d+\\t${SESSION_COOKIE}\\t`),
  );
  expect((await curl('-b', jar, `${server.url}/api/admin`)).stdout).toBe('200');
  expect((await curl('-u', 'alice:alice-pw', `${server.url}/cameras/a/snapshot`)).stdout).toBe('200');
  expect((await curl(`${server.url}/cameras/a/snapshot`)).stdout).toBe('401');
});
