// Debian's nginx (apt-get install nginx-light) with docs/deploy/nginx.conf as shipped, on 127.0.0.1 with
// its own prefix, in front of a real cam: only its addresses and certificate paths are changed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished, vi } from 'vitest';
import { freePort } from '../deploy-support.js';

const SHIPPED = fileURLToPath(new URL('../../../../docs/deploy/nginx.conf', import.meta.url));
const TEMP_DIRS = ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/**
 * Starts nginx with the shipped config in front of cam on `camPort`, with a self-signed certificate made
 * by openssl; returns its HTTP and HTTPS (HTTP/2) ports. The test's end stops it.
 */
export async function startNginx(camPort: number): Promise<{ http: number; https: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cam-nginx-'));
  chmodSync(dir, 0o755); // nginx's workers may run as another user
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const temp of TEMP_DIRS) mkdirSync(join(dir, temp));
  const key = join(dir, 'cam.key');
  const cert = join(dir, 'cam.pem');
  const openssl = spawn('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
    ...['-keyout', key, '-out', cert],
  ]);
  const [code] = await once(openssl, 'close');
  expect(code).toBe(0);
  const ports = { http: await freePort(), https: await freePort() };
  const site = readFileSync(SHIPPED, 'utf8')
    .replace('server 127.0.0.1:5000;', `server 127.0.0.1:${camPort};`)
    .replace(/^\s*listen \[::\].*$/gm, '')
    .replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${ports.http};`)
    .replace(/^(\s*)listen 443 ssl/m, `$1listen 127.0.0.1:${ports.https} ssl`)
    .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${cert};`)
    .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${key};`);
  writeFileSync(join(dir, 'cam.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      ...TEMP_DIRS.map((temp) => `  ${temp === 'body' ? 'client_body' : temp}_temp_path ${join(dir, temp)};`),
      `  include ${join(dir, 'cam.conf')};`,
      '}',
    ].join('\n'),
  );
  const nginx = spawn('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  nginx.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  onTestFinished(async () => {
    if (nginx.exitCode === null) {
      nginx.kill('SIGTERM'); // a fast shutdown: a graceful one would wait for the streams to end
      await once(nginx, 'close');
    }
  });
  await vi.waitFor(
    async () => {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      const response = await fetch(`http://127.0.0.1:${ports.http}/healthz`);
      expect(response.status).toBe(200);
    },
    { timeout: 10_000, interval: 100 },
  );
  return ports;
}
