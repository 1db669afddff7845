import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { ConfigError } from './config.js';

/** Where the server's certificate and private key are: PEM files, as absolute paths. */
export interface TlsConfig {
  /** The certificate chain, leaf first (what nginx calls `ssl_certificate`). */
  cert: string;
  /** The leaf's private key, unencrypted. */
  key: string;
  /** How the user spelled these settings, for error messages: `TLS_CERT`, `tls.cert in cam.yaml`. */
  describe: { cert: string; key: string };
}

/** A certificate and its key, read and checked: ready for `https.createServer` or `setSecureContext`. */
export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
  /** The leaf certificate, for the log line: subject, expiry, fingerprint. */
  leaf: X509Certificate;
}

/**
 * Reads the certificate and key files and checks them before any of it is used: the certificate is PEM
 * and parses, the key is a PEM private key, and the key is the certificate's. Node itself would accept a
 * mismatched pair at start and fail every handshake later; here each problem is a {@link ConfigError}
 * that names the file, the setting and the cause.
 */
export async function readTlsCredentials(tls: TlsConfig): Promise<TlsCredentials> {
  const cert = await readPem(tls.cert, tls.describe.cert, 'certificate');
  const key = await readPem(tls.key, tls.describe.key, 'private key');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new ConfigError(
      `${tls.describe.cert} (${tls.cert}) is not a PEM certificate: ${(error as Error).message}`,
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new ConfigError(
      `${tls.describe.key} (${tls.key}) is not an unencrypted PEM private key: ${(error as Error).message}`,
    );
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      `${tls.describe.key} (${tls.key}) is not the key of the certificate in ${tls.describe.cert} (${tls.cert})`,
    );
  }
  return { cert, key, leaf };
}

async function readPem(path: string, setting: string, what: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(`cannot read the TLS ${what} ${setting} (${path}): ${reason}`);
  }
  // X509Certificate also reads DER, and createPrivateKey more than PEM: the files are PEM, as documented.
  if (!data.includes('-----BEGIN ')) {
    throw new ConfigError(`${setting} (${path}) is not a PEM file: it has no "-----BEGIN" line`);
  }
  return data;
}

/** What the log says of a certificate: enough to tell the new one from the old. */
export function describeCertificate(leaf: X509Certificate) {
  return {
    subject: leaf.subject.replace(/\n/g, ', '),
    validTo: new Date(leaf.validTo).toISOString(),
    fingerprint256: leaf.fingerprint256,
  };
}

/**
 * Re-reads the certificate and key (on SIGHUP) and gives them to `server` for new connections; open
 * connections keep the context they were made with, so their streams go on. A pair that fails the
 * checks is logged and refused: the server keeps the one it has. Reloads run one at a time, in order.
 * The returned function resolves true when the new pair is in use.
 */
export function createTlsReloader(
  server: HttpsServer,
  tls: TlsConfig,
  logger: Logger,
): () => Promise<boolean> {
  let last: Promise<unknown> = Promise.resolve();
  const reload = async (): Promise<boolean> => {
    try {
      const { cert, key, leaf } = await readTlsCredentials(tls);
      server.setSecureContext({ cert, key });
      logger.info(
        { tls: { cert: tls.cert, key: tls.key, ...describeCertificate(leaf) } },
        `reloaded the TLS certificate ${tls.cert}: new connections use it`,
      );
      return true;
    } catch (error) {
      logger.error(
        { tls: { cert: tls.cert, key: tls.key } },
        `TLS reload refused, the current certificate stays in use: ${(error as Error).message}`,
      );
      return false;
    }
  };
  return () => {
    const next = last.then(reload);
    last = next;
    return next;
  };
}
