// Which address a request counts as: the socket peer, or X-Forwarded-For through trusted proxies only.
import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { clientAddress, isSecureRequest, TrustedProxies } from '../src/client-address.js';

function request(remoteAddress: string, headers: Record<string, string> = {}, encrypted = false) {
  return { socket: { remoteAddress, encrypted }, headers } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  const proxies = new TrustedProxies(['10.0.0.1', '172.16.0.0/12', '::1']);

  test('the socket peer when it is no trusted proxy, whatever the header says', () => {
    expect(clientAddress(request('198.51.100.1', { 'x-forwarded-for': '1.2.3.4' }), proxies)).toBe(
      '198.51.100.1',
    );
    expect(clientAddress(request('::ffff:198.51.100.1'), proxies)).toBe('198.51.100.1');
  });

  test('through trusted proxies: the nearest address they did not add', () => {
    expect(clientAddress(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.5' }), proxies)).toBe(
      '203.0.113.5',
    );
    // client, then a second trusted proxy: a spoofed first entry is not believed.
    const chain = request('10.0.0.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.5, 172.20.1.1' });
    expect(clientAddress(chain, proxies)).toBe('203.0.113.5');
    expect(clientAddress(request('::1', { 'x-forwarded-for': '2001:db8::7' }), proxies)).toBe('2001:db8::7');
  });

  test('garbage in the chain stops at the last hop vouched for; no header: the proxy itself', () => {
    expect(clientAddress(request('10.0.0.1', { 'x-forwarded-for': 'unknown, 203.0.113.5' }), proxies)).toBe(
      '203.0.113.5',
    );
    expect(clientAddress(request('10.0.0.1', { 'x-forwarded-for': 'not-an-ip' }), proxies)).toBe('10.0.0.1');
    expect(clientAddress(request('10.0.0.1'), proxies)).toBe('10.0.0.1');
  });

  test('isSecureRequest: TLS sockets, or X-Forwarded-Proto from a trusted proxy only', () => {
    expect(isSecureRequest(request('198.51.100.1', {}, true), proxies)).toBe(true);
    expect(isSecureRequest(request('198.51.100.1', { 'x-forwarded-proto': 'https' }), proxies)).toBe(false);
    expect(isSecureRequest(request('10.0.0.1', { 'x-forwarded-proto': 'https' }), proxies)).toBe(true);
    expect(isSecureRequest(request('10.0.0.1', { 'x-forwarded-proto': 'http' }), proxies)).toBe(false);
  });
});
