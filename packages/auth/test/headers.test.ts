// Security headers on HTML, CORS from an allow-list (off by default), Cross-Origin-Resource-Policy on
// streams and snapshots.
import { describe, expect } from 'vitest';
import { cspHash, htmlSecurityHeaders } from '../src/index.js';
import { basic, PAGE_STYLE, test, users } from './support.js';

const ALICE = () => users([{ name: 'alice', password: 'alice-pw', role: 'admin' }]);
const auth = { authorization: basic('alice', 'alice-pw') };

describe('HTML security headers', () => {
  test('CSP allows own images, blob: and the page’s own inline style by hash; frame-ancestors from config', async ({
    start,
  }) => {
    const server = await start({ users: await ALICE(), frameAncestors: ["'self'", 'https://home.example'] });
    const response = await fetch(`${server.url}/`, { headers: auth });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "img-src 'self' blob: data:",
        `style-src 'self' ${cspHash(PAGE_STYLE)}`,
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'self' https://home.example",
      ]),
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
  });

  test('cspHash is the CSP sha256 source of the exact text', () => {
    // echo -n 'a' | openssl dgst -sha256 -binary | base64
    expect(cspHash('a')).toBe("'sha256-ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs='");
    expect(htmlSecurityHeaders()['Content-Security-Policy']).toContain("frame-ancestors 'self'");
  });
});

describe('CORS', () => {
  test('off by default: no CORS header at all', async ({ start }) => {
    const server = await start({ users: await ALICE() });
    const response = await fetch(`${server.url}/api/cameras`, {
      headers: { ...auth, origin: 'https://a.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('an allowed origin gets the headers and its preflight; another origin gets neither', async ({
    start,
  }) => {
    const server = await start({ users: await ALICE(), cors: { origins: ['https://a.example'] } });
    const allowed = await fetch(`${server.url}/cameras/a/snapshot`, {
      headers: { ...auth, origin: 'https://a.example' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://a.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('vary')).toContain('Origin');

    const other = await fetch(`${server.url}/api/cameras`, {
      headers: { ...auth, origin: 'https://b.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = (origin: string) =>
      fetch(`${server.url}/api/cameras`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const ok = await preflight('https://a.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-headers')).toBe('Authorization');
    expect(ok.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    expect((await preflight('https://b.example')).status).toBe(403);
  });
});

describe('Cross-Origin-Resource-Policy', () => {
  test('same-origin by default on streams and snapshots, as configured otherwise, none on the API', async ({
    start,
  }) => {
    const strict = await start({ users: await ALICE() });
    const snapshot = await fetch(`${strict.url}/cameras/a/snapshot`, { headers: auth });
    expect(snapshot.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const api = await fetch(`${strict.url}/api/cameras`, { headers: auth });
    expect(api.headers.get('cross-origin-resource-policy')).toBeNull();
    const open = await start({ users: await ALICE(), crossOriginResourcePolicy: 'same-site' });
    const again = await fetch(`${open.url}/cameras/a/snapshot`, { headers: auth });
    expect(again.headers.get('cross-origin-resource-policy')).toBe('same-site');
  });
});
