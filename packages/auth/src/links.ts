// Signed, expiring links: query parameters that let anyone holding the URL GET one camera's stream or
// snapshot until a moment, without a password. The signature covers camera, route and expiry.
import type { Signer } from './signing.js';

export type LinkRoute = 'stream' | 'snapshot';
export const LINK_ROUTES: readonly LinkRoute[] = ['stream', 'snapshot'];

/** The query parameter names a signed link adds. */
export const LINK_PARAMS = { expires: 'expires', signature: 'sig' } as const;

export interface SignedLink {
  camera: string;
  route: LinkRoute;
  /** Expiry, seconds since the epoch. */
  expires: number;
  /** The parameters to add to the route's URL. */
  params: { expires: string; sig: string };
  /** The same as a query string, `expires=…&sig=…` (no leading `?`). */
  query: string;
}

export type LinkCheck = { valid: true; expires: number } | { valid: false; reason: 'expired' | 'invalid' };

export function signLink(signer: Signer, camera: string, route: LinkRoute, expires: number): SignedLink {
  const sig = signer.sign('link', [camera, route, expires]);
  const params = { expires: String(expires), sig };
  return { camera, route, expires, params, query: new URLSearchParams(params).toString() };
}

export function checkLink(
  signer: Signer,
  camera: string,
  route: string,
  query: URLSearchParams,
  nowSeconds: number,
): LinkCheck {
  const expiresText = query.get(LINK_PARAMS.expires) ?? '';
  const signature = query.get(LINK_PARAMS.signature) ?? '';
  if (!/^\d{1,12}$/.test(expiresText) || !/^[A-Za-z0-9_-]{43}$/.test(signature))
    return { valid: false, reason: 'invalid' };
  const expires = Number(expiresText);
  // Verify first: an expired-but-genuine link and a forged one must not be told apart by a forger.
  if (!signer.verify('link', [camera, route, expires], signature)) return { valid: false, reason: 'invalid' };
  if (expires <= nowSeconds) return { valid: false, reason: 'expired' };
  return { valid: true, expires };
}
