// One object per server: `check()` decides each request, `refuse()` answers a refusal, `handle()` serves
// the login and logout routes, `mintLink()` signs links, `track()` closes a response when its grant ends.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddress, isSecureRequest, TrustedProxies } from './client-address.js';
import {
  type AuthConfig,
  type CrossOriginResourcePolicy,
  parseAuthConfig,
  type ResolvedAuthConfig,
  type Role,
  type User,
} from './config.js';
import { AuthConfigError } from './errors.js';
import { GrantTracker } from './grant-tracker.js';
import { applyCors, type HtmlHeaderOptions, htmlSecurityHeaders } from './headers.js';
import { loadOrCreateKeyFile, rotateKeyFile } from './key-file.js';
import { checkLink, LINK_PARAMS, LINK_ROUTES, type LinkRoute, type SignedLink, signLink } from './links.js';
import { LOGIN_STYLE, renderLoginPage } from './login-page.js';
import { type ParsedHash, verifyPassword } from './password.js';
import { LoginLimiter } from './rate-limit.js';
import {
  createSessionCookieValue,
  RevokedSessions,
  readCookie,
  readSessionCookieValue,
  SESSION_COOKIE,
  type Session,
} from './session.js';
import { Signer } from './signing.js';

/** What a request is for. `page` and `api`: any user; `admin`: admins only; `stream`/`snapshot`: a camera. */
export type Route = 'page' | 'api' | 'admin' | 'stream' | 'snapshot';

export interface CheckOptions {
  route: Route;
  /** The camera the request is about, if any: viewers are limited to their `cameras`. */
  camera?: string;
}

export type Principal =
  | { kind: 'user'; name: string; role: Role; via: 'basic' | 'session' }
  | { kind: 'link'; camera: string; route: LinkRoute; expires: number }
  /** Auth is off (no users configured). */
  | { kind: 'anonymous' };

export interface Allowed {
  allowed: true;
  principal: Principal;
  /** Headers the response should carry (`Cross-Origin-Resource-Policy` for streams and snapshots). */
  headers: Record<string, string>;
  /** @internal what `track()` needs to end the response with its grant */
  grant: { sessionId?: string; signed: boolean; expires?: number };
}

export type RefusalCode =
  | 'AUTH_REQUIRED'
  | 'FORBIDDEN'
  | 'LINK_INVALID'
  | 'LINK_EXPIRED'
  | 'TOO_MANY_ATTEMPTS';

export interface Refused {
  allowed: false;
  /** 303 (to the login page), 401, 403 or 429. */
  status: 303 | 401 | 403 | 429;
  code: RefusalCode;
  message: string;
  headers: Record<string, string>;
}

export type Decision = Allowed | Refused;

export interface MintLinkOptions {
  camera: string;
  route: LinkRoute;
  /** Lifetime in seconds, at most `maxLinkLifetime`. */
  expiresIn: number;
}

export interface CreateAuthOptions {
  /** The clock, ms since the epoch (tests). */
  now?: () => number;
  /** Prefix of setting names in error messages. Default `auth`. */
  settingPrefix?: string;
}

// Successful Basic checks are remembered this long, so that a client polling snapshots with a password
// does not pay a scrypt per request. Only successes: a guess always costs a full hash.
const BASIC_CACHE_MS = 5 * 60_000;
const BASIC_CACHE_SIZE = 1000;
const MAX_FORM_BYTES = 4096;

export class Auth {
  readonly config: ResolvedAuthConfig;
  readonly #now: () => number;
  readonly #proxies: TrustedProxies;
  readonly #limiter: LoginLimiter;
  readonly #revoked = new RevokedSessions();
  readonly #tracker: GrantTracker;
  readonly #basicCache = new Map<string, number>();
  readonly #dummyHash: ParsedHash | undefined;
  readonly #settingPrefix: string;
  #signer: Signer;
  #key: string;

  /** Use `createAuth()`: it reads or creates the key file. */
  constructor(config: ResolvedAuthConfig, key: string, options: CreateAuthOptions = {}) {
    this.config = config;
    this.#key = key;
    this.#signer = new Signer(key);
    this.#now = options.now ?? Date.now;
    this.#settingPrefix = options.settingPrefix ?? 'auth';
    this.#proxies = new TrustedProxies(config.trustProxy);
    this.#limiter = new LoginLimiter({ ...config.loginLimit, now: this.#now });
    this.#tracker = new GrantTracker(this.#now);
    // An unknown user is checked against this, at the first user's cost: it takes as long as a wrong password.
    const first = config.users.values().next().value as User | undefined;
    if (first)
      this.#dummyHash = {
        ...first.hash,
        salt: randomBytes(first.hash.salt.length),
        hash: randomBytes(first.hash.hash.length),
      };
  }

  /** Whether any user is configured. Without users every request is allowed as `anonymous`. */
  get enabled(): boolean {
    return this.config.users.size > 0;
  }

  /** Decides one request. Never throws for bad input: a malformed header is a refusal. */
  async check(req: IncomingMessage, options: CheckOptions): Promise<Decision> {
    const { route, camera } = options;
    const resourceHeaders = this.#resourceHeaders(route, this.config.crossOriginResourcePolicy);
    if (!this.enabled)
      return {
        allowed: true,
        principal: { kind: 'anonymous' },
        headers: resourceHeaders,
        grant: { signed: false },
      };

    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const credentials = parseBasic(authorization);
      if (!credentials) return this.#unauthorized('send HTTP Basic credentials (Authorization: Basic …)');
      const address = this.clientAddress(req);
      const wait = this.#limiter.retryAfter(address);
      if (wait > 0) return tooMany(wait);
      const user = await this.#verify(credentials.name, credentials.password);
      if (!user) {
        this.#limiter.fail(address);
        return this.#unauthorized('wrong user name or password');
      }
      this.#limiter.succeed(address);
      return this.#authorize(user, 'basic', options, resourceHeaders, { signed: false });
    }

    const session = this.#session(req);
    if (session) {
      const user = this.config.users.get(session.name)!;
      return this.#authorize(user, 'session', options, resourceHeaders, {
        sessionId: session.id,
        signed: true,
        expires: session.expires,
      });
    }

    const query = new URLSearchParams(requestTarget(req).split('?')[1] ?? '');
    if (query.has(LINK_PARAMS.signature) || query.has(LINK_PARAMS.expires)) {
      if (!(route === 'stream' || route === 'snapshot') || camera === undefined)
        return forbidden(
          'LINK_INVALID',
          'a signed link is valid only for the stream or snapshot it was made for',
        );
      if (req.method !== 'GET') return forbidden('LINK_INVALID', 'a signed link allows GET only');
      const result = checkLink(this.#signer, camera, route, query, Math.floor(this.#now() / 1000));
      if (!result.valid)
        return result.reason === 'expired'
          ? forbidden('LINK_EXPIRED', 'this link has expired')
          : forbidden('LINK_INVALID', 'this link is not valid for this camera and route (or it was revoked)');
      return {
        allowed: true,
        principal: { kind: 'link', camera, route, expires: result.expires },
        // Links exist to be embedded in other sites' pages.
        headers: this.#resourceHeaders(route, 'cross-origin'),
        grant: { signed: true, expires: result.expires },
      };
    }

    if (route === 'page' && (req.method === 'GET' || req.method === 'HEAD') && acceptsHtml(req)) {
      const target = requestTarget(req);
      const next = target.startsWith('/') ? target : '/';
      return {
        allowed: false,
        status: 303,
        code: 'AUTH_REQUIRED',
        message: 'log in first',
        headers: { Location: `${this.config.loginPath}?${new URLSearchParams({ next })}` },
      };
    }
    return this.#unauthorized('log in, or send HTTP Basic credentials');
  }

  /** Writes the answer to a refusal: JSON `{ error: { code, message } }`, or the redirect. */
  refuse(req: IncomingMessage, res: ServerResponse, decision: Refused): void {
    const body =
      decision.status === 303
        ? ''
        : `${JSON.stringify({ error: { code: decision.code, message: decision.message } })}\n`;
    res.writeHead(decision.status, {
      ...decision.headers,
      'Cache-Control': 'no-store',
      ...(body
        ? { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }
        : { 'Content-Length': 0 }),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Whether a principal may see a camera (for filtering lists). */
  mayView(principal: Principal, camera: string): boolean {
    if (principal.kind === 'anonymous') return true;
    if (principal.kind === 'link') return principal.camera === camera;
    const user = this.config.users.get(principal.name);
    return user !== undefined && (user.cameras === undefined || user.cameras.has(camera));
  }

  /**
   * Closes `res` when the grant behind `decision` ends: logout, session or link expiry, key rotation.
   * Call it for long responses (streams); it forgets `res` when `res` closes.
   */
  track(res: ServerResponse, decision: Allowed): void {
    this.#tracker.track(res, decision.grant);
  }

  /** Serves the login page and the login/logout posts; returns false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = requestTarget(req).split('?')[0];
    if (path === this.config.loginPath) {
      await this.#login(req, res);
      return true;
    }
    if (path === this.config.logoutPath) {
      await this.#logout(req, res);
      return true;
    }
    return false;
  }

  /** Signs a link to one camera's stream or snapshot. */
  mintLink(options: MintLinkOptions): SignedLink {
    const { camera, route, expiresIn } = options;
    if (typeof camera !== 'string' || camera === '') throw new TypeError('camera must be a non-empty string');
    if (!LINK_ROUTES.includes(route)) throw new TypeError(`route must be one of ${LINK_ROUTES.join(', ')}`);
    if (!(Number.isInteger(expiresIn) && expiresIn >= 1 && expiresIn <= this.config.maxLinkLifetime))
      throw new TypeError(
        `expiresIn must be a whole number of seconds from 1 to ${this.config.maxLinkLifetime}`,
      );
    return signLink(this.#signer, camera, route, Math.floor(this.#now() / 1000) + expiresIn);
  }

  /**
   * Replaces the signing key: every link and every session signed so far stops working, and the
   * responses they opened are closed. Writes the new key to `keyFile`; a key given in the config cannot
   * be rotated here (change the config).
   */
  async rotateKey(): Promise<void> {
    if (this.config.key !== undefined)
      throw new AuthConfigError(
        `${this.#settingPrefix}.key`,
        'the signing key is set in the config: change it there to rotate it',
      );
    this.#key = this.config.keyFile
      ? await rotateKeyFile(this.config.keyFile)
      : randomBytes(32).toString('base64url');
    this.#signer = new Signer(this.#key);
    this.#tracker.endSigned();
  }

  /** The client's address (X-Forwarded-For only from `trustProxy`). */
  clientAddress(req: IncomingMessage): string {
    return clientAddress(req, this.#proxies);
  }

  /** Security headers for an HTML page, with this config's `frame-ancestors`. */
  htmlHeaders(options: Omit<HtmlHeaderOptions, 'frameAncestors'> = {}): Record<string, string> {
    return htmlSecurityHeaders({ ...options, frameAncestors: this.config.frameAncestors });
  }

  /** CORS with `cors.origins` (see `applyCors`): true when it answered a preflight. */
  applyCors(req: IncomingMessage, res: ServerResponse): boolean {
    return applyCors(req, res, this.config.corsOrigins);
  }

  /** Ends the tracked responses and timers (server shutdown). */
  close(): void {
    this.#tracker.close();
  }

  async #verify(name: string, password: string): Promise<User | undefined> {
    const user = this.config.users.get(name);
    const cacheKey = createHash('sha256')
      .update(JSON.stringify([name, password, user?.hashText ?? '']))
      .digest('base64url');
    const cached = this.#basicCache.get(cacheKey);
    if (user && cached !== undefined && cached > this.#now()) return user;
    const hash = user?.hash ?? this.#dummyHash;
    if (!hash) return undefined; // no users at all: nothing to guess, nothing to time
    // The same work whether or not the user exists.
    const ok = await verifyPassword(password, hash);
    if (!ok || !user) return undefined;
    if (this.#basicCache.size >= BASIC_CACHE_SIZE) this.#basicCache.clear();
    this.#basicCache.set(cacheKey, this.#now() + BASIC_CACHE_MS);
    return user;
  }

  #session(req: IncomingMessage): Session | undefined {
    const value = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!value) return undefined;
    const now = Math.floor(this.#now() / 1000);
    const session = readSessionCookieValue(
      this.#signer,
      value,
      (name) => this.config.users.get(name)?.hashText,
      now,
    );
    if (!session || this.#revoked.has(session.id, now)) return undefined;
    return session;
  }

  #authorize(
    user: User,
    via: 'basic' | 'session',
    options: CheckOptions,
    headers: Record<string, string>,
    grant: Allowed['grant'],
  ): Decision {
    if (options.route === 'admin' && user.role !== 'admin')
      return forbidden('FORBIDDEN', `user ${user.name} is not an admin`);
    if (options.camera !== undefined && user.cameras && !user.cameras.has(options.camera))
      return forbidden('FORBIDDEN', `user ${user.name} may not view camera ${options.camera}`);
    return {
      allowed: true,
      principal: { kind: 'user', name: user.name, role: user.role, via },
      headers,
      grant,
    };
  }

  #unauthorized(message: string): Refused {
    return {
      allowed: false,
      status: 401,
      code: 'AUTH_REQUIRED',
      message,
      headers: { 'WWW-Authenticate': `Basic realm="${this.config.realm}", charset="UTF-8"` },
    };
  }

  #resourceHeaders(route: Route, policy: CrossOriginResourcePolicy): Record<string, string> {
    return route === 'stream' || route === 'snapshot' ? { 'Cross-Origin-Resource-Policy': policy } : {};
  }

  async #login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = new URLSearchParams(requestTarget(req).split('?')[1] ?? '');
    if (req.method === 'GET' || req.method === 'HEAD') {
      return this.#loginPage(req, res, 200, safeNext(query.get('next'), this.config.loginPath));
    }
    if (req.method !== 'POST')
      return sendPlain(req, res, 405, 'use GET or POST', { Allow: 'GET, HEAD, POST' });
    if (!this.sameOrigin(req)) return sendPlain(req, res, 403, 'cross-site login refused');
    const form = await readForm(req);
    if (typeof form === 'number')
      return sendPlain(
        req,
        res,
        form,
        form === 413 ? 'form too large' : 'send an HTML form (application/x-www-form-urlencoded)',
      );
    const next = safeNext(form.get('next'), this.config.loginPath);
    const address = this.clientAddress(req);
    const wait = this.#limiter.retryAfter(address);
    if (wait > 0)
      return this.#loginPage(req, res, 429, next, `Too many failed logins: try again in ${wait} s.`, {
        'Retry-After': String(wait),
      });
    const user = await this.#verify(form.get('username') ?? '', form.get('password') ?? '');
    if (!user) {
      this.#limiter.fail(address);
      return this.#loginPage(req, res, 403, next, 'Wrong name or password.');
    }
    this.#limiter.succeed(address);
    const expires = Math.floor(this.#now() / 1000) + this.config.sessionTtl;
    const { value } = createSessionCookieValue(this.#signer, user.name, user.hashText, expires);
    res.writeHead(303, {
      Location: next,
      'Set-Cookie': this.#cookie(req, value, this.config.sessionTtl),
      'Cache-Control': 'no-store',
      'Content-Length': 0,
    });
    res.end();
  }

  async #logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return sendPlain(req, res, 405, 'log out with POST', { Allow: 'POST' });
    if (!this.sameOrigin(req)) return sendPlain(req, res, 403, 'cross-site logout refused');
    req.resume(); // the form body carries nothing we need
    const session = this.#session(req);
    if (session) {
      this.#revoked.revoke(session);
      this.#tracker.endSession(session.id);
    }
    res.writeHead(303, {
      Location: this.config.loginPath,
      'Set-Cookie': this.#cookie(req, '', 0),
      'Cache-Control': 'no-store',
      'Content-Length': 0,
    });
    res.end();
  }

  #loginPage(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    next: string,
    error?: string,
    extra: Record<string, string> = {},
  ): void {
    const html = renderLoginPage({ action: this.config.loginPath, next, error });
    res.writeHead(status, {
      ...this.htmlHeaders({ inlineStyles: [LOGIN_STYLE] }),
      ...extra,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  #cookie(req: IncomingMessage, value: string, maxAge: number): string {
    const secure = isSecureRequest(req, this.#proxies) ? '; Secure' : '';
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
  }

  /**
   * Whether a request did not come from another site's page: browsers send `Origin` with every POST, so
   * a POST whose Origin names another host is cross-site (CSRF). Requests without Origin (curl, ffmpeg)
   * pass. Use it on state-changing routes (the login form and logout use it).
   */
  sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser (curl): nothing to forge
    try {
      // HTTP/2 (node:http2's compatibility API) names the host :authority.
      return new URL(origin).host === (req.headers.host ?? req.headers[':authority']);
    } catch {
      return false;
    }
  }
}

/** Reads the config (and the key file, creating it when missing) and returns the auth layer. */
export async function createAuth(
  config: AuthConfig | undefined,
  options: CreateAuthOptions = {},
): Promise<Auth> {
  const prefix = options.settingPrefix ?? 'auth';
  const resolved = parseAuthConfig(config, prefix);
  const key =
    resolved.key ??
    (resolved.keyFile
      ? await loadOrCreateKeyFile(resolved.keyFile, `${prefix}.keyFile`)
      : // No key configured: sessions and links last until the process ends.
        randomBytes(32).toString('base64url'));
  return new Auth(resolved, key, options);
}

/** The request target as the client sent it: express rewrites `req.url` inside a mounted router. */
function requestTarget(req: IncomingMessage): string {
  return (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
}

function parseBasic(header: string): { name: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function acceptsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

function forbidden(code: RefusalCode, message: string): Refused {
  return { allowed: false, status: 403, code, message, headers: {} };
}

function tooMany(seconds: number): Refused {
  return {
    allowed: false,
    status: 429,
    code: 'TOO_MANY_ATTEMPTS',
    message: `too many failed logins from this address: retry in ${seconds} s`,
    headers: { 'Retry-After': String(seconds) },
  };
}

/** A path on this server to go to after login; anything else (another site, `//evil`) becomes `/`. */
function safeNext(next: string | null | undefined, loginPath: string): string {
  // Printable ASCII only (a Location header cannot carry more), and no `//host` or `/\host`.
  if (!next || !/^\/(?![/\\])[\x21-\x7e]*$/.test(next)) return '/';
  if (next.split('?')[0] === loginPath) return '/';
  return next;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams | 400 | 413 | 415> {
  // Behind express.urlencoded() the body is already read and parsed: use that.
  const parsed = (req as { body?: unknown }).body;
  if (typeof parsed === 'object' && parsed !== null && !Buffer.isBuffer(parsed)) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') form.set(name, value);
    return Promise.resolve(form);
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return Promise.resolve(415);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(413);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve(400));
  });
}

function sendPlain(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
