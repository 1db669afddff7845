// Safe defaults that say so: without users the server is open, which is fine on loopback and worth one
// clear warning anywhere else.
import { isIP } from 'node:net';
import type { Principal } from './auth.js';

/** Whether a listen address is reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/**
 * The line to log at start when the server listens beyond loopback with no users, else undefined.
 * `addUserHint` says how to add one in this server (e.g. the config key and the hash-password command).
 */
export function exposureWarning(host: string, authEnabled: boolean, addUserHint: string): string | undefined {
  if (authEnabled || isLoopbackHost(host)) return undefined;
  const where = host === '' || host === '0.0.0.0' || host === '::' ? 'every network interface' : host;
  return `no users are configured and the server listens on ${where}: anyone who can reach it can watch every camera and read the API. ${addUserHint}`;
}

/** A short name for logs: the user name, `link:<camera>/<route>`, or `anonymous`. */
export function principalName(principal: Principal): string {
  if (principal.kind === 'user') return principal.name;
  if (principal.kind === 'link') return `link:${principal.camera}/${principal.route}`;
  return 'anonymous';
}
