import type { IncomingMessage } from 'node:http';
import type { Allowed, Principal } from '@cam/auth';

// Each request's access decision, as the guard made it: routes filter by who asked, long responses are
// tracked with it, and the request log names who it was. Keyed by the request object itself, which
// express keeps (it only changes its prototype).
const decisions = new WeakMap<IncomingMessage, Allowed>();
const addresses = new WeakMap<IncomingMessage, string>();

export function setDecision(req: IncomingMessage, decision: Allowed): void {
  decisions.set(req, decision);
}

/** The decision that let `req` in; undefined before the check, or for an open route. */
export function decisionOf(req: IncomingMessage): Allowed | undefined {
  return decisions.get(req);
}

/** Who made `req`, once it passed the access check. */
export function principalOf(req: IncomingMessage): Principal | undefined {
  return decisions.get(req)?.principal;
}

/** The client's address as the access check saw it (through `trustProxy`), for the request log. */
export function setClientAddress(req: IncomingMessage, address: string): void {
  addresses.set(req, address);
}

export function clientAddressOf(req: IncomingMessage): string | undefined {
  return addresses.get(req);
}

/** Whether `principal` sees viewers' addresses: admins, and everyone when auth is off. */
export function seesAddresses(principal: Principal | undefined): boolean {
  if (principal === undefined) return false;
  return principal.kind === 'anonymous' || (principal.kind === 'user' && principal.role === 'admin');
}
