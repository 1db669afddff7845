import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './scenarios.js';

// Debian's nginx (apt-get install nginx-light) with cam's shipped site config, docs/deploy/nginx.conf, in
// front of a cam server, for the nginx scenario. The site file changes only where it says where cam and
// nginx listen, and where its (self-signed, made here) certificate is: everything that decides how a
// stream goes through (buffering, timeouts, headers) is what users install.

const SHIPPED = new URL('../../../docs/deploy/nginx.conf', import.meta.url);
const TEMP_DIRS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/** Why nginx cannot run here (absent, or no openssl for its certificate), or undefined when it can. */
export function nginxMissing(): string | undefined {
  for (const [command, args, install] of [
    ['nginx', ['-v'], 'apt-get install nginx-light'],
    ['openssl', ['version'], 'apt-get install openssl'],
  ] as const) {
    if (spawnSync(command, args, { stdio: 'ignore' }).error)
      return `${command} is not installed (${install})`;
  }
  return undefined;
}

export interface Nginx {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** The shipped site with cam at `camPort`, nginx on 127.0.0.1:`port` (HTTP) and `tlsPort` (HTTPS). */
export function siteConfig(
  camPort: number,
  port: number,
  tlsPort: number,
  cert: string,
  key: string,
): string {
  const site = readFileSync(SHIPPED, 'utf8')
    .replace(/server 127\.0\.0\.1:5000;/, `server 127.0.0.1:${camPort};`)
    .replace(/^\s*listen \[::\].*$/gm, '')
    .replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^(\s*)listen 443 ssl/m, `$1listen 127.0.0.1:${tlsPort} ssl`)
    .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${cert};`)
    .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${key};`);
  if (!site.includes(`127.0.0.1:${camPort}`) || !site.includes(`listen 127.0.0.1:${port};`))
    throw new Error(
      'docs/deploy/nginx.conf no longer has the upstream and listen lines the benchmark adapts',
    );
  return site;
}

/**
 * Starts nginx in front of cam on `camPort`, with its own prefix, pid file, logs and temp directories in a
 * fresh directory, as Debian's packaged nginx.conf would run the site (worker_processes auto), with room
 * for the scenario's connections (two per viewer: the viewer's and cam's).
 */
export async function startNginx(camPort: number, connections: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'cam-bench-nginx-'));
  chmodSync(dir, 0o755); // the workers run as another user when nginx starts as root
  const key = join(dir, 'cam.key');
  const cert = join(dir, 'cam.pem');
  const openssl = spawnSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-keyout', key, '-out', cert],
    ],
    { stdio: 'ignore' },
  );
  if (openssl.status !== 0) throw new Error('openssl could not make a certificate for nginx');
  const port = await freePort('127.0.0.1');
  writeFileSync(join(dir, 'cam.conf'), siteConfig(camPort, port, await freePort('127.0.0.1'), cert, key));
  for (const temp of TEMP_DIRS) mkdirSync(join(dir, temp));
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes auto;',
      `worker_rlimit_nofile ${4 * connections};`,
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      `events { worker_connections ${2 * connections}; }`,
      'http {',
      '  access_log off;',
      ...TEMP_DIRS.map((temp) => `  ${temp}_temp_path ${join(dir, temp)};`),
      `  include ${join(dir, 'cam.conf')};`,
      '}',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // a fast shutdown: a graceful one (SIGQUIT) would wait for the streams to end
      await once(child, 'close');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready once it proxies: cam's health route answers through it.
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited: ${stderr.trim()}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (tries > 100) {
      await stop();
      throw new Error(`nginx did not answer within 10 s: ${stderr.trim()}`);
    }
    await sleep(100);
  }
  return { port, pid: child.pid!, stop };
}
