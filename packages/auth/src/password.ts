// Password hashes: scrypt from node:crypto, stored as one self-describing string
// `scrypt$N$r$p$salt$hash` (salt and hash in base64url), so the cost can rise later without breaking
// the hashes already pasted into config files.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptCost {
  /** CPU/memory cost, a power of two. Default 2^15 (32 MiB of memory per hash). */
  N: number;
  /** Block size. Default 8. */
  r: number;
  /** Parallelism. Default 1. */
  p: number;
}

export const DEFAULT_SCRYPT_COST: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds a hash string may ask for: a config file must not make every login allocate gigabytes.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

export interface ParsedHash extends ScryptCost {
  salt: Buffer;
  hash: Buffer;
}

/**
 * Parses `scrypt$N$r$p$salt$hash`. Throws a `TypeError` that says what is wrong, without repeating
 * the value (it may be a password pasted by mistake).
 */
export function parsePasswordHash(value: string): ParsedHash {
  const parts = value.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt')
    throw new TypeError('must be a scrypt hash (scrypt$N$r$p$salt$hash), as printed by hash-password');
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (!(Number.isInteger(cost.N) && cost.N >= 2 && cost.N <= MAX_N && (cost.N & (cost.N - 1)) === 0))
    throw new TypeError(`scrypt N must be a power of two from 2 to ${MAX_N}`);
  if (!(Number.isInteger(cost.r) && cost.r >= 1 && cost.r <= MAX_R))
    throw new TypeError(`scrypt r must be an integer from 1 to ${MAX_R}`);
  if (!(Number.isInteger(cost.p) && cost.p >= 1 && cost.p <= MAX_P))
    throw new TypeError(`scrypt p must be an integer from 1 to ${MAX_P}`);
  const saltBytes = decodeBase64Url(salt);
  const hashBytes = decodeBase64Url(hash);
  if (!saltBytes || saltBytes.length < 8)
    throw new TypeError('the salt must be at least 8 bytes of base64url');
  if (!hashBytes || hashBytes.length < 16)
    throw new TypeError('the hash must be at least 16 bytes of base64url');
  return { ...cost, salt: saltBytes, hash: hashBytes };
}

/** Hashes a password with a fresh random salt: the value for `auth.users[].password`. */
export async function hashPassword(password: string, cost: Partial<ScryptCost> = {}): Promise<string> {
  if (typeof password !== 'string' || password.length === 0)
    throw new TypeError('password must be a non-empty string');
  const full = { ...DEFAULT_SCRYPT_COST, ...cost };
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, full);
  const text = `scrypt$${full.N}$${full.r}$${full.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
  parsePasswordHash(text); // the same bounds as a config file: refuse to print a hash that cannot be used
  return text;
}

/** Whether `password` matches `hash`, compared in constant time. */
export async function verifyPassword(password: string, hash: string | ParsedHash): Promise<boolean> {
  const parsed = typeof hash === 'string' ? parsePasswordHash(hash) : hash;
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}

function derive(password: string, salt: Buffer, length: number, cost: ScryptCost): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; node's default ceiling (32 MiB) is exactly the default cost's need.
  const maxmem = 256 * cost.N * cost.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { ...cost, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function decodeBase64Url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  return Buffer.from(text, 'base64url');
}
