// The Host check against DNS rebinding: the server answers only to its own names (localhost, the
// addresses of its interfaces, its hostname and <hostname>.local, with any port) and to ALLOWED_HOSTS;
// any other Host is refused with 421 JSON on every route, streams included. ALLOWED_HOSTS=* turns it off.
import { hostname, networkInterfaces } from 'node:os';
import { describe, expect, test } from 'vitest';
import { hostName } from '../src/host-check.js';
import { startServer } from './helpers.js';
import { rawGet } from './raw-http.js';

const interfaceAddresses = Object.values(networkInterfaces())
  .flatMap((addresses) => addresses ?? [])
  .map((address) => (address.family === 'IPv6' ? `[${address.address}]` : address.address));

describe('Host check', () => {
  test("the machine's own names pass, with or without a port", async () => {
    const { port } = await startServer();
    const names = [
      'localhost',
      `localhost:${port}`,
      'LOCALHOST:80',
      `127.0.0.1:${port}`,
      `${hostname()}:${port}`,
      `${hostname()}.local`,
      ...interfaceAddresses.map((address) => `${address}:${port}`),
    ];
    for (const host of names) {
      const res = await rawGet(port, '/healthz', host);
      expect(res.status, `Host: ${host}`).toBe(200);
    }
    // HTTP/1.0 without Host: no browser sends that, so no rebinding page can.
    expect((await rawGet(port, '/healthz', null, '1.0')).status).toBe(200);
  });

  test.each([
    '/',
    '/healthz',
    '/api/cameras',
    '/snapshot.jpg',
    '/video_feed',
    '/?action=snapshot',
    '/cameras/emulated/stream',
    '/nope',
  ])('another name is refused with 421 JSON on %s, and nothing is served', async (path) => {
    const { port, proc } = await startServer();
    const res = await rawGet(port, path, `evil.example:${port}`);
    expect(res.status).toBe(421);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'UNKNOWN_HOST', message: expect.stringContaining('"evil.example:') },
    });
    // The camera never started for it.
    expect(proc.find({ msg: 'camera started' })).toEqual([]);
  });

  test('ALLOWED_HOSTS adds names; the default ones still pass', async () => {
    const { port } = await startServer({ ALLOWED_HOSTS: 'cam.example, Other.Example' });
    expect((await rawGet(port, '/healthz', 'cam.example')).status).toBe(200);
    expect((await rawGet(port, '/healthz', `other.example:${port}`)).status).toBe(200);
    expect((await rawGet(port, '/healthz', 'localhost')).status).toBe(200);
    expect((await rawGet(port, '/healthz', 'evil.example')).status).toBe(421);
  });

  test('ALLOWED_HOSTS=* accepts any Host (behind a proxy that rewrites it)', async () => {
    const { port } = await startServer({ ALLOWED_HOSTS: '*' });
    expect((await rawGet(port, '/healthz', 'anything.example')).status).toBe(200);
    expect((await rawGet(port, '/snapshot.jpg', 'anything.example')).status).toBe(200);
  });

  test('hostName() takes the name out of a Host header', () => {
    expect(hostName('Example.COM:5000')).toBe('example.com');
    expect(hostName('[::1]:5000')).toBe('::1');
    expect(hostName('[fe80::1]')).toBe('fe80::1');
    expect(hostName('localhost.')).toBe('localhost');
    expect(hostName('10.0.0.2')).toBe('10.0.0.2');
  });
});
