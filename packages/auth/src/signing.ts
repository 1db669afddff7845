// HMAC-SHA256 with keys derived from the one signing key, one per purpose, so a session cookie can
// never be replayed as a link signature or the other way round.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Purpose = 'session' | 'link';

export class Signer {
  readonly #keys: Record<Purpose, Buffer>;

  constructor(key: string) {
    const derive = (purpose: Purpose) => createHmac('sha256', key).update(`cam/${purpose}/v1`).digest();
    this.#keys = { session: derive('session'), link: derive('link') };
  }

  /** base64url HMAC of the fields, JSON-encoded so that no field can run into the next. */
  sign(purpose: Purpose, fields: readonly (string | number)[]): string {
    return createHmac('sha256', this.#keys[purpose]).update(JSON.stringify(fields)).digest('base64url');
  }

  /** Constant-time check of a signature from a request. */
  verify(purpose: Purpose, fields: readonly (string | number)[], signature: string): boolean {
    const expected = Buffer.from(this.sign(purpose, fields), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** A short fingerprint of a password hash: sessions carry it, so changing the password ends them. */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}
