// TLS for the HTTPS tests: self-signed certificates made by Debian's openssl, and what a new connection
// is shown (the certificate's fingerprint), read with node:tls.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { onCleanup } from './cleanup.js';
import { MjpegStream } from './mjpeg-stream.js';
import { run } from './tools.js';

export interface TestCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint as node:tls reports it (`AB:CD:...`). */
  fingerprint256: string;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost with its P-256 key, written to
 * `<dir>/<name>.crt` and `<dir>/<name>.key` by `openssl req -x509`.
 */
export async function makeCertificate(dir: string, name: string): Promise<TestCertificate> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const made = await run('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
    ...['-subj', `/CN=cam test ${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ...['-keyout', key, '-out', cert],
  ]);
  if (made.code !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  return { cert, key, fingerprint256: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

/** The fingerprint of the certificate a NEW TLS connection to `port` is shown. */
export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** Opens `url` (https, self-signed certificate accepted) on a connection of its own and reads the stream. */
export function openHttpsStream(url: string): Promise<MjpegStream> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, rejectUnauthorized: false }, (response) =>
      resolve(new MjpegStream(response)),
    );
    request.once('error', reject);
    onCleanup(() => request.destroy());
  });
}
