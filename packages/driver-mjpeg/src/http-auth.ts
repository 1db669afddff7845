import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// HTTP Basic (RFC 7617) and Digest (RFC 7616) authentication for a client that answers the server's 401
// challenge. Nothing is sent before the first challenge, so a password never goes to a server that did
// not ask for it, and Basic is never used where the server offers Digest.

export interface Credentials {
  username: string;
  password: string;
}

interface Challenge {
  scheme: 'basic' | 'digest';
  params: Record<string, string>;
}

const DIGEST_ALGORITHMS: Record<string, string> = { md5: 'md5', 'sha-256': 'sha256' };

/** One upstream's authentication state: the challenge last accepted, and Digest's nonce count. */
export class HttpAuth {
  readonly credentials: Credentials | undefined;
  #challenge: Challenge | undefined;
  #nonceCount = 0;

  constructor(credentials: Credentials | undefined) {
    this.credentials = credentials;
  }

  /** Why a 401 cannot be answered, or undefined when {@link accept} took its challenge. */
  accept(response: IncomingMessage): string | undefined {
    if (!this.credentials) return 'no credentials were given (options username and password, or the URL)';
    const challenges = parseChallenges(response);
    const challenge =
      challenges.find((c) => c.scheme === 'digest' && digestSupported(c)) ??
      challenges.find((c) => c.scheme === 'basic');
    if (!challenge) {
      const offered = challenges.map((c) => c.scheme).join(', ') || 'none';
      return `it asks for an authentication scheme this driver does not speak (offered: ${offered})`;
    }
    this.#challenge = challenge;
    this.#nonceCount = 0;
    return undefined;
  }

  /** The Authorization header for a request, once a challenge was accepted. */
  header(method: string, uri: string): string | undefined {
    const challenge = this.#challenge;
    const credentials = this.credentials;
    if (!challenge || !credentials) return undefined;
    if (challenge.scheme === 'basic') {
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    return this.#digest(challenge.params, credentials, method, uri);
  }

  #digest(params: Record<string, string>, credentials: Credentials, method: string, uri: string): string {
    const algorithm = (params.algorithm ?? 'MD5').toLowerCase();
    const session = algorithm.endsWith('-sess');
    const hash = (text: string) =>
      createHash(DIGEST_ALGORITHMS[algorithm.replace(/-sess$/, '')]!)
        .update(text)
        .digest('hex');
    const realm = params.realm ?? '';
    const nonce = params.nonce ?? '';
    const cnonce = randomBytes(8).toString('hex');
    const nc = (++this.#nonceCount).toString(16).padStart(8, '0');
    let ha1 = hash(`${credentials.username}:${realm}:${credentials.password}`);
    if (session) ha1 = hash(`${ha1}:${nonce}:${cnonce}`);
    const ha2 = hash(`${method}:${uri}`);
    const qop = qopAuth(params);
    const response = qop
      ? hash(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
      : hash(`${ha1}:${nonce}:${ha2}`);
    const fields = [
      `username=${quote(credentials.username)}`,
      `realm=${quote(realm)}`,
      `nonce=${quote(nonce)}`,
      `uri=${quote(uri)}`,
      `response=${quote(response)}`,
      `algorithm=${params.algorithm ?? 'MD5'}`,
      ...(params.opaque === undefined ? [] : [`opaque=${quote(params.opaque)}`]),
      ...(qop ? [`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`] : []),
    ];
    return `Digest ${fields.join(', ')}`;
  }
}

/** `auth` when the server offers it; undefined when it offers no qop (RFC 2069 digest). */
function qopAuth(params: Record<string, string>): 'auth' | undefined {
  return params.qop === undefined ? undefined : 'auth';
}

function digestSupported(challenge: Challenge): boolean {
  const algorithm = (challenge.params.algorithm ?? 'MD5').toLowerCase().replace(/-sess$/, '');
  const qop = challenge.params.qop;
  const qopOk = qop === undefined || qop.split(',').some((item) => item.trim().toLowerCase() === 'auth');
  return algorithm in DIGEST_ALGORITHMS && qopOk && challenge.params.nonce !== undefined;
}

/** Every WWW-Authenticate header of the response, one challenge each (what cameras send). */
function parseChallenges(response: IncomingMessage): Challenge[] {
  const challenges: Challenge[] = [];
  const raw = response.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'www-authenticate') continue;
    const value = raw[i + 1]!.trim();
    const space = value.indexOf(' ');
    const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
    if (scheme !== 'basic' && scheme !== 'digest') {
      challenges.push({ scheme: scheme as Challenge['scheme'], params: {} });
      continue;
    }
    const params: Record<string, string> = {};
    const pattern = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
    for (const match of value.slice(space + 1).matchAll(pattern)) {
      params[match[1]!.toLowerCase()] = match[2]?.replace(/\\(.)/g, '$1') ?? match[3]!;
    }
    challenges.push({ scheme, params });
  }
  return challenges;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
