// Response headers that make a page or a stream safe to expose: CSP and friends for HTML, CORS for the
// API and snapshots (an allow-list, off by default), Cross-Origin-Resource-Policy for streams/snapshots.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HtmlHeaderOptions {
  /** CSP `frame-ancestors` sources. Default `'self'`. */
  frameAncestors?: readonly string[];
  /** The text of each inline `<style>` block of the page: allowed by hash, nothing else inline is. */
  inlineStyles?: readonly string[];
  /** The text of each inline `<script>` block of the page, allowed by hash. */
  inlineScripts?: readonly string[];
}

/** The `'sha256-…'` CSP source for an inline block's exact text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/**
 * Headers for an HTML page: a CSP that allows the page's own scripts, styles and images (and `blob:`
 * images, for snapshots drawn by script), nothing from elsewhere; no MIME sniffing; no referrer to other
 * sites (a signed link in a URL must not leak); framing only by `frameAncestors`.
 */
export function htmlSecurityHeaders(options: HtmlHeaderOptions = {}): Record<string, string> {
  const styles = ["'self'", ...(options.inlineStyles ?? []).map(cspHash)];
  const scripts = ["'self'", ...(options.inlineScripts ?? []).map(cspHash)];
  const csp = [
    "default-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    `style-src ${styles.join(' ')}`,
    `script-src ${scripts.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${(options.frameAncestors ?? ["'self'"]).join(' ')}`,
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
  };
}

/**
 * CORS for an allow-list of origins: answers a preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) itself and returns true; otherwise sets the headers on `res` when the
 * request's `Origin` is allowed and returns false, so the caller goes on. With an empty list, CORS stays
 * off: no header is ever added and preflights are left to the caller.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  origins: readonly string[],
  options: { methods?: readonly string[]; maxAge?: number } = {},
): boolean {
  if (origins.length === 0) return false;
  res.appendHeader?.('Vary', 'Origin') ?? res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  const allowed = origin !== undefined && origins.includes(origin);
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (allowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    // Credentials: an allowed page may send the user's Basic password or cookie with fetch.
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  if (!preflight) return false;
  if (allowed) {
    res.setHeader('Access-Control-Allow-Methods', (options.methods ?? ['GET', 'HEAD']).join(', '));
    res.setHeader('Access-Control-Allow-Headers', 'Authorization');
    res.setHeader('Access-Control-Max-Age', String(options.maxAge ?? 600));
  }
  res.statusCode = allowed ? 204 : 403;
  res.end();
  return true;
}
