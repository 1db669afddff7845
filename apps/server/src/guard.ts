import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Allowed, Auth, Refused } from '@cam/auth';
import { type Access, type AccessOptions, accessFor } from './access.js';
import type { HotRoute } from './hot-routes.js';
import { type ClientErrorLog, sendJsonError } from './json-errors.js';
import { setDecision } from './request-principal.js';

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
  async admit(req: IncomingMessage, res: ServerResponse, hot: HotRoute | undefined): Promise<Admission> {
    const auth = this.#auth;
    // The login page and logout exist only when there are users to log in as.
    if (auth.enabled && (await auth.handle(req, res))) return undefined;
    const access = accessFor(req.method, pathOf(req), hot, this.#options);
    if (access.cors && auth.applyCors(req, res)) return undefined; // a preflight, answered
    if (access.open) return { decision: undefined, access };
    const decision = await auth.check(req, { route: access.route, camera: access.camera });
    if (!decision.allowed) {
      this.#logRefusal(req, decision);
      auth.refuse(req, res, decision);
      return undefined;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && !auth.sameOrigin(req)) {
      // A change asked for by another site's page (CSRF): the session cookie alone must not do it.
      sendJsonError(res, 403, 'CROSS_SITE', 'a request from another site’s page is refused');
      return undefined;
    }
    for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
    setDecision(req, decision);
    return { decision, access };
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
