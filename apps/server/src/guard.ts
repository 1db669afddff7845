import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Allowed, Auth, Refused } from '@cam/auth';
import { type Access, type AccessOptions, accessFor } from './access.js';
import type { HotRoute } from './hot-routes.js';
import { type ClientErrorLog, sendJsonError } from './json-errors.js';
import { setClientAddress, setDecision } from './request-principal.js';

/** A grant for a request that passed, or undefined when the request has been answered. */
export type Admission = { decision: Allowed | undefined; access: Access } | undefined;

/**
 * The one access check in front of every route (see {@link accessFor}): answers the login and logout
 * routes, CORS preflights and refusals itself, and says who the request is from.
 */
export class Guard {
  readonly #auth: Auth;
  readonly #options: AccessOptions;
  readonly #logClientError: ClientErrorLog;

  constructor(auth: Auth, options: AccessOptions, logClientError: ClientErrorLog) {
    this.#auth = auth;
    this.#options = options;
    this.#logClientError = logClientError;
  }

  get auth(): Auth {
    return this.#auth;
  }

  /**
   * Decides `req`: undefined when it was answered here (login/logout, a preflight, a refusal); otherwise
   * the decision (undefined for an open route), with the response's headers (CORS, CORP) already set.
   */
  admit(
    req: IncomingMessage,
    res: ServerResponse,
    hot: HotRoute | undefined,
  ): Admission | Promise<Admission> {
    // Without users every request is allowed: decided at once, so that a request reaches its route in
    // the same tick (express's routes, and the hot routes, behave exactly as they did without auth).
    if (!this.#auth.enabled) return this.#admitOpen(req, res, hot);
    return this.#admitChecked(req, res, hot);
  }

  #admitOpen(req: IncomingMessage, res: ServerResponse, hot: HotRoute | undefined): Admission {
    this.#noteAddress(req);
    const access = accessFor(req.method, pathOf(req), hot, this.#options);
    if (access.cors && this.#auth.applyCors(req, res)) return undefined; // a preflight, answered
    if (access.open) return { decision: undefined, access };
    if (!this.#sameOriginChange(req, res)) return undefined;
    const route = access.route;
    const decision: Allowed = {
      allowed: true,
      principal: { kind: 'anonymous' },
      // As auth.check gives them: streams and snapshots say who may embed them.
      headers:
        route === 'stream' || route === 'snapshot'
          ? { 'Cross-Origin-Resource-Policy': this.#auth.config.crossOriginResourcePolicy }
          : {},
      grant: { signed: false },
    };
    return this.#admitted(req, res, decision, access);
  }

  async #admitChecked(
    req: IncomingMessage,
    res: ServerResponse,
    hot: HotRoute | undefined,
  ): Promise<Admission> {
    const auth = this.#auth;
    this.#noteAddress(req);
    if (await auth.handle(req, res)) return undefined; // the login page, login and logout
    const access = accessFor(req.method, pathOf(req), hot, this.#options);
    if (access.cors && auth.applyCors(req, res)) return undefined; // a preflight, answered
    if (access.open) return { decision: undefined, access };
    const decision = await auth.check(req, { route: access.route, camera: access.camera });
    if (!decision.allowed) {
      this.#logRefusal(req, decision);
      auth.refuse(req, res, decision);
      return undefined;
    }
    if (!this.#sameOriginChange(req, res)) return undefined;
    return this.#admitted(req, res, decision, access);
  }

  /** Behind a trusted proxy, the log names the client, not the proxy. */
  #noteAddress(req: IncomingMessage): void {
    if (this.#auth.config.trustProxy.length) setClientAddress(req, this.#auth.clientAddress(req));
  }

  #admitted(req: IncomingMessage, res: ServerResponse, decision: Allowed, access: Access): Admission {
    for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
    setDecision(req, decision);
    return { decision, access };
  }

  /** False (and the request answered 403) for a change asked for by another site's page: CSRF. */
  #sameOriginChange(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method === 'GET' || req.method === 'HEAD' || this.#auth.sameOrigin(req)) return true;
    sendJsonError(res, 403, 'CROSS_SITE', 'a request from another site’s page is refused');
    return false;
  }

  /**
   * Decides a WebSocket upgrade (the web app's frame channel, an API route): the decision, or undefined
   * when the socket was answered with the refusal.
   */
  async admitUpgrade(req: IncomingMessage, socket: Duplex): Promise<Allowed | undefined> {
    const access = accessFor('GET', pathOf(req), undefined, this.#options);
    if (access.open)
      return { allowed: true, principal: { kind: 'anonymous' }, headers: {}, grant: { signed: false } };
    const decision = await this.#auth.check(req, { route: access.route, camera: access.camera });
    if (decision.allowed) {
      setDecision(req, decision);
      return decision;
    }
    this.#logRefusal(req, decision);
    const reason = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests', 303: 'See Other' };
    const headers = Object.entries(decision.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 ${decision.status} ${reason[decision.status]}\r\n${headers}Connection: close\r\nContent-Length: 0\r\n\r\n`,
    );
    return undefined;
  }

  /** A wrong password or a throttled address is worth a line (rate-limited); a missing login is not. */
  #logRefusal(req: IncomingMessage, decision: Refused): void {
    const guessed =
      decision.status === 429 || (decision.status === 401 && req.headers.authorization !== undefined);
    if (guessed)
      this.#logClientError(req, decision.code, `${decision.message} (from ${this.#auth.clientAddress(req)})`);
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  return queryStart < 0 ? url : url.slice(0, queryStart);
}
