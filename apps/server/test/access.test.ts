// Which check each request gets, from its method and path alone: a route added later (recordings, say)
// is covered by the rule for its path without code of its own.
import { describe, expect, test } from 'vitest';
import { accessFor } from '../src/access.js';

const options = { metricsPublic: false, defaultCamera: 'front' };
const of = (method: string, path: string, metricsPublic = false) =>
  accessFor(method, path, undefined, { ...options, metricsPublic });

describe('accessFor', () => {
  test('streams and snapshots need their camera; the default routes are the default camera’s', () => {
    expect(accessFor('GET', '/video_feed', { kind: 'stream', camera: undefined }, options)).toEqual({
      open: false,
      route: 'stream',
      camera: 'front',
      cors: false,
    });
    expect(
      accessFor('GET', '/cameras/back/snapshot.jpg', { kind: 'snapshot', camera: 'back' }, options),
    ).toEqual({
      open: false,
      route: 'snapshot',
      camera: 'back',
      cors: true,
    });
  });

  test('/healthz is open; /metrics and /readyz are for admins unless public', () => {
    expect(of('GET', '/healthz').open).toBe(true);
    expect(of('GET', '/metrics')).toMatchObject({ open: false, route: 'admin' });
    expect(of('GET', '/readyz/')).toMatchObject({ open: false, route: 'admin' });
    expect(of('GET', '/metrics', true).open).toBe(true);
  });

  test('a new route under /cameras/<id>/ is a page of that camera; under /api/ it is the API', () => {
    expect(of('GET', '/cameras/back/recordings/2026-11-30.mkv')).toEqual({
      open: false,
      route: 'page',
      camera: 'back',
      cors: false,
    });
    expect(of('GET', '/api/cameras/back/recordings')).toEqual({
      open: false,
      route: 'api',
      camera: 'back',
      cors: true,
    });
    expect(of('GET', '/api/anything')).toEqual({ open: false, route: 'api', camera: undefined, cors: true });
    expect(of('GET', '/somewhere')).toMatchObject({ open: false, route: 'page', camera: undefined });
  });

  test('changes under /api/, links and the key are for admins', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(of(method, '/api/cameras/back/recordings')).toMatchObject({ route: 'admin', camera: 'back' });
    }
    expect(of('GET', '/api/cameras/back/links')).toMatchObject({ route: 'admin', camera: 'back' });
    expect(of('POST', '/api/auth/rotate-key')).toMatchObject({ route: 'admin' });
  });

  test('camera ids are decoded as express decodes them; a malformed escape matches no camera', () => {
    expect(of('GET', '/cameras/a%20b')).toMatchObject({ camera: 'a b' });
    expect(of('GET', '/API/Cameras/x')).toMatchObject({ route: 'api', camera: 'x' });
    expect(of('GET', '/cameras/%ff')).toMatchObject({ route: 'page', camera: '%ff' });
  });
});
