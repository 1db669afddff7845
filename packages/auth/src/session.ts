// Browser sessions: a signed cookie `name.id.expiry.fingerprint.signature`. Stateless, so sessions outlive
// a restart; logout revokes the id in memory until it would have expired anyway.
import { randomBytes } from 'node:crypto';
import { fingerprint, type Signer } from './signing.js';

export const SESSION_COOKIE = 'cam_session';

export interface Session {
  name: string;
  id: string;
  /** Expiry, seconds since the epoch. */
  expires: number;
}

export function createSessionCookieValue(
  signer: Signer,
  name: string,
  passwordHash: string,
  expires: number,
): { value: string; session: Session } {
  const id = randomBytes(16).toString('base64url');
  const encodedName = Buffer.from(name).toString('base64url');
  const print = fingerprint(passwordHash);
  const signature = signer.sign('session', [name, id, expires, print]);
  return { value: `${encodedName}.${id}.${expires}.${print}.${signature}`, session: { name, id, expires } };
}

/**
 * The session a cookie value proves, or undefined. `passwordHashOf` looks the user up now, so a user
 * removed from the config, or given a new password, is logged out.
 */
export function readSessionCookieValue(
  signer: Signer,
  value: string,
  passwordHashOf: (name: string) => string | undefined,
  nowSeconds: number,
): Session | undefined {
  const parts = value.split('.');
  if (parts.length !== 5) return undefined;
  const [encodedName, id, expiresText, print, signature] = parts as [string, string, string, string, string];
  if (!/^\d{1,12}$/.test(expiresText)) return undefined;
  const name = Buffer.from(encodedName, 'base64url').toString();
  const expires = Number(expiresText);
  if (!signer.verify('session', [name, id, expires, print], signature)) return undefined;
  if (expires <= nowSeconds) return undefined;
  const hash = passwordHashOf(name);
  if (hash === undefined || fingerprint(hash) !== print) return undefined;
  return { name, id, expires };
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** Ids of sessions that logged out, kept until they would have expired. */
export class RevokedSessions {
  readonly #revoked = new Map<string, number>();

  revoke(session: Session): void {
    this.#revoked.set(session.id, session.expires);
  }

  has(id: string, nowSeconds: number): boolean {
    if (this.#revoked.size > 1000)
      for (const [key, expires] of this.#revoked) if (expires <= nowSeconds) this.#revoked.delete(key);
    return this.#revoked.has(id);
  }
}
