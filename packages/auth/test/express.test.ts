// The same calls inside express: a middleware around auth.check, auth.handle mounted on a router, the
// login form behind express.urlencoded() (the body already read), and the stream handler after it.
import type { AddressInfo } from 'node:net';
import { EmulatedCamera } from '@cam/driver-emulated';
import { createSnapshotHandler } from '@cam/http-mjpeg';
import express, { type NextFunction, type Request, type Response } from 'express';
import { expect, onTestFinished } from 'vitest';
import { createAuth, type Route } from '../src/index.js';
import { basic, test, users } from './support.js';

test('express: middleware, a mounted router, a parsed login form, signed links', async () => {
  const auth = await createAuth({
    users: await users([{ name: 'bob', password: 'bob-pw', role: 'viewer', cameras: ['a'] }]),
  });
  const camera = new EmulatedCamera({ fps: 10 }, { name: 'a' });
  onTestFinished(() => camera.close());
  const guard = (route: Route) => async (req: Request, res: Response, next: NextFunction) => {
    const decision = await auth.check(req, { route, camera: req.params.id as string | undefined });
    if (!decision.allowed) return auth.refuse(req, res, decision);
    res.set(decision.headers);
    next();
  };

  const app = express();
  const account = express.Router();
  account.use(express.urlencoded({ extended: false }));
  account.use(async (req, res, next) => ((await auth.handle(req, res)) ? undefined : next()));
  app.use('/', account);
  const cameras = express.Router();
  cameras.get('/:id/snapshot', guard('snapshot'), createSnapshotHandler(camera));
  app.use('/cameras', cameras);
  app.get('/api/admin', guard('admin'), (_req, res) => {
    res.json({ ok: true });
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  expect((await fetch(`${url}/cameras/a/snapshot`)).status).toBe(401);
  expect(
    (await fetch(`${url}/cameras/a/snapshot`, { headers: { authorization: basic('bob', 'bob-pw') } })).status,
  ).toBe(200);
  expect(
    (await fetch(`${url}/cameras/b/snapshot`, { headers: { authorization: basic('bob', 'bob-pw') } })).status,
  ).toBe(403);
  expect(
    (await fetch(`${url}/api/admin`, { headers: { authorization: basic('bob', 'bob-pw') } })).status,
  ).toBe(403);

  const login = await fetch(`${url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ username: 'bob', password: 'bob-pw', next: '/cameras/a/snapshot' }),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  expect(login.headers.get('location')).toBe('/cameras/a/snapshot');
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const snapshot = await fetch(`${url}/cameras/a/snapshot`, { headers: { cookie } });
  expect(snapshot.status).toBe(200);
  expect(snapshot.headers.get('cross-origin-resource-policy')).toBe('same-origin');

  // Inside the mounted router req.url is "/a/snapshot?…"; the link still names camera a's snapshot.
  const link = auth.mintLink({ camera: 'a', route: 'snapshot', expiresIn: 60 });
  expect((await fetch(`${url}/cameras/a/snapshot?${link.query}`)).status).toBe(200);
  expect((await fetch(`${url}/cameras/b/snapshot?${link.query}`)).status).toBe(403);
});
