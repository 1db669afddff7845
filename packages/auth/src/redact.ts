// URLs for logs: no passwords, no link signatures, no tokens.

const SECRET_PARAMS = new Set(['sig', 'signature', 'token', 'access_token', 'auth', 'password', 'key']);
const REDACTED = 'REDACTED';

/**
 * `url` (absolute, or a request target such as `/video_feed?sig=…`) with user:password removed and the
 * values of secret query parameters (`sig`, `signature`, `token`, `access_token`, `auth`, `password`,
 * `key`) replaced by `REDACTED`. Something that does not parse as a URL loses its whole query string.
 */
export function redactUrl(url: string): string {
  const relative = url.startsWith('/') && !url.startsWith('//');
  let parsed: URL;
  try {
    parsed = new URL(url, relative ? 'http://x' : undefined);
  } catch {
    const cut = url.search(/[?#]/);
    return (cut === -1 ? url : `${url.slice(0, cut)}?${REDACTED}`).replace(/\/\/[^/@]*@/, '//');
  }
  parsed.username = '';
  parsed.password = '';
  for (const name of new Set(parsed.searchParams.keys()))
    if (SECRET_PARAMS.has(name.toLowerCase())) parsed.searchParams.set(name, REDACTED);
  parsed.hash = '';
  return relative ? `${parsed.pathname}${parsed.search}` : parsed.href;
}
