// Issue 13: with users configured, every route asks who is there. Real server process, real clients
// (curl, fetch, a WebSocket), users from a config file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import {
  type ApiBody,
  frameNumber,
  isWholeJpeg,
  missingToolNote,
  onCleanup,
  requireTool,
  run,
  runServerToExit,
  tempDir,
  writeTempFile,
} from './helpers.js';
import { ADMIN, basic, openStreamWith, startWithUsers, VIEWER } from './support/auth-server.js';

const CURL = 'apt-get install curl';

async function status(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  await res.arrayBuffer();
  return res.status;
}

describe('with users configured', () => {
  test('curl with http://user:pass@ reads the stream and a snapshot; without credentials, 401 and a Basic challenge', async (ctx) => {
    if (!requireTool('curl', CURL)) ctx.skip(missingToolNote('curl', CURL));
    const { port } = await startWithUsers();
    const dir = tempDir();
    const base = `http://${ADMIN.name}:${ADMIN.password}@127.0.0.1:${port}`;

    const snapshot = await run(
      'curl',
      ['-sS', '-f', '-o', 'snap.jpg', `${base}/cameras/front/snapshot.jpg`],
      {
        cwd: dir,
      },
    );
    expect(snapshot.code, snapshot.stderr).toBe(0);
    expect(isWholeJpeg(await readFile(join(dir, 'snap.jpg')))).toBe(true);

    // A stream does not end by itself: curl stops after its time limit (exit 28) with what it read.
    const stream = await run('curl', ['-sS', '--max-time', '2', '-o', 'stream.mjpeg', `${base}/video_feed`], {
      cwd: dir,
    });
    expect(stream.code, stream.stderr).toBe(28);
    const body = (await readFile(join(dir, 'stream.mjpeg'))).toString('latin1');
    expect(body.match(/--frame\r\nContent-Type: image\/jpeg/g)?.length).toBeGreaterThanOrEqual(2);

    const refused = await run('curl', ['-sS', '-i', `http://127.0.0.1:${port}/cameras/front/snapshot.jpg`]);
    const head = refused.stdout.toString();
    expect(head).toMatch(/^HTTP\/1\.1 401/);
    expect(head).toMatch(/^WWW-Authenticate: Basic realm="cam"/im);
    const wrong = await run('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `http://${ADMIN.name}:nope@127.0.0.1:${port}/video_feed`,
    ]);
    expect(wrong.stdout.toString()).toBe('401');
  });

  test('every route but /healthz needs a login: browsers are sent to the login page, API clients get 401', async () => {
    const { url } = await startWithUsers();
    expect(await status(`${url}/healthz`)).toBe(200);
    for (const path of [
      '/',
      '/cameras/front',
      '/api/cameras',
      '/api/cameras/front',
      '/api/events',
      '/metrics',
      '/readyz',
      '/assets/none.js',
      '/nope',
      '/video_feed',
      '/?action=snapshot',
    ]) {
      expect(await status(`${url}${path}`), path).toBe(401);
    }
    const page = await fetch(`${url}/cameras/front`, {
      headers: { Accept: 'text/html' },
      redirect: 'manual',
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Fcameras%2Ffront');
    const login = await fetch(`${url}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toMatch(/<form[^>]+method="post"/i);
    // A POST that is not a login cannot change anything without credentials either.
    expect(await status(`${url}/api/cameras/front/links`, { method: 'POST' })).toBe(401);
  });

  test('a viewer sees only its cameras, and no viewer addresses; admins see everything', async () => {
    const { url, port } = await startWithUsers();
    const viewer = basic(VIEWER);
    const admin = basic(ADMIN);
    for (const path of [
      '/cameras/back/stream',
      '/cameras/back/snapshot.jpg',
      '/cameras/back',
      '/api/cameras/back',
      '/metrics',
      '/readyz',
    ]) {
      expect(await status(`${url}${path}`, { headers: viewer }), path).toBe(403);
    }
    expect(await status(`${url}/cameras/front/snapshot.jpg`, { headers: viewer })).toBe(200);
    expect(await status(`${url}/metrics`, { headers: admin })).toBe(200);
    expect(await status(`${url}/readyz`, { headers: admin })).toBe(200);

    // Someone watches front: the admin sees from where, the viewer does not.
    const watching = await openStreamWith(port, '/cameras/front/stream', admin);
    await watching.waitForParts(1);
    const asViewer = (await (await fetch(`${url}/api/cameras`, { headers: viewer })).json()) as ApiBody;
    expect(asViewer.cameras.map((camera) => camera.id)).toEqual(['front']);
    expect(asViewer.cameras[0]!.viewers.length).toBeGreaterThanOrEqual(1);
    expect(asViewer.cameras[0]!.viewers.every((v) => v.address === null)).toBe(true);
    const asAdmin = (await (await fetch(`${url}/api/cameras`, { headers: admin })).json()) as ApiBody;
    expect(asAdmin.cameras.map((camera) => camera.id)).toEqual(['front', 'back']);
    expect(asAdmin.cameras[0]!.viewers.some((v) => typeof v.address === 'string')).toBe(true);

    // The home page lists only the viewer's cameras.
    const home = await (await fetch(`${url}/`, { headers: viewer })).text();
    expect(home).toContain('data-camera="front"');
    expect(home).not.toContain('data-camera="back"');
  });

  test('metrics.public opens /metrics and /readyz to anyone', async () => {
    const { url } = await startWithUsers({ metrics: { public: true } });
    expect(await status(`${url}/metrics`)).toBe(200);
    expect(await status(`${url}/readyz`)).toBe(200);
    expect(await status(`${url}/api/cameras`)).toBe(401);
  });

  test('the events stream and the frame WebSocket need a login and show a viewer only its cameras', async () => {
    const { url, port } = await startWithUsers();
    // Events: each camera's state once on connect.
    const events = await fetch(`${url}/api/events`, { headers: basic(VIEWER) });
    expect(events.status).toBe(200);
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes('"front"')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).not.toContain('"id":"back"');

    // The WebSocket: refused without credentials, in the HTTP answer to the upgrade.
    const anonymous = new WebSocket(`ws://127.0.0.1:${port}/api/frames`);
    const refusal = await new Promise<number>((resolve) => {
      anonymous.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      anonymous.on('error', () => {});
    });
    expect(refusal).toBe(401);

    // A viewer asking for both cameras gets frames of front only.
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/frames`, { headers: basic(VIEWER) });
    onCleanup(() => socket.terminate());
    const seen: string[] = [];
    socket.on('message', (data: Buffer) => {
      const id = data.subarray(1, 1 + data[0]!).toString();
      seen.push(id);
      expect(frameNumber(data.subarray(1 + data[0]!))).toBeDefined();
      socket.send(JSON.stringify({ painted: id }));
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ watch: { front: 0, back: 0 } }));
    // Both cameras run at the same rate: had back been allowed, its frames would be among these.
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(10);
    expect(new Set(seen)).toEqual(new Set(['front']));
  });

  test('logging out closes the frame WebSocket and the events stream that the session opened', async () => {
    const { url, port } = await startWithUsers();
    const login = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: VIEWER.name, password: VIEWER.password, next: '/' }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^cam_session=/);

    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/frames`, { headers: { Cookie: cookie } });
    onCleanup(() => socket.terminate());
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    const events = await fetch(`${url}/api/events`, { headers: { Cookie: cookie } });
    expect(events.status).toBe(200);
    const eventsEnded = events.body!.pipeTo(new WritableStream()).then(
      () => 'ended',
      () => 'cut',
    );

    const logout = await fetch(`${url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookie },
    });
    expect(logout.status).toBe(303);
    await closed;
    expect(['ended', 'cut']).toContain(await eventsEnded);
    expect((await fetch(`${url}/api/cameras`, { headers: { Cookie: cookie } })).status).toBe(401);
  });

  test('HTML pages carry the security headers; frame-ancestors comes from the config', async () => {
    const { url } = await startWithUsers({ auth: { frameAncestors: ["'self'", 'https://wall.example'] } });
    const page = await fetch(`${url}/cameras/front`, { headers: basic(ADMIN) });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/img-src 'self' blob:/);
    expect(csp).toMatch(/frame-ancestors 'self' https:\/\/wall\.example/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
  });

  test('CORS: off by default; cors.origins lets a named origin read the API and snapshots', async () => {
    const { url } = await startWithUsers({ cors: { origins: ['https://dash.example'] } });
    const allowed = await fetch(`${url}/api/cameras`, {
      headers: { ...basic(ADMIN), Origin: 'https://dash.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    const other = await fetch(`${url}/api/cameras`, {
      headers: { ...basic(ADMIN), Origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${url}/cameras/front/snapshot.jpg`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://dash.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    // Without cors.origins nothing is granted.
    const plain = await startWithUsers();
    const none = await fetch(`${plain.url}/api/cameras`, {
      headers: { ...basic(ADMIN), Origin: 'https://dash.example' },
    });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a bad auth setting stops the start with one line that names it', async () => {
    const config = writeTempFile(
      'cam.json',
      JSON.stringify({
        cameras: [{ id: 'a' }],
        auth: { users: [{ name: 'x', password: 'plain', role: 'admin' }] },
      }),
    );
    const result = await runServerToExit({}, 10_000, ['--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/auth\.users\[0\]\.password: must be a scrypt hash/);
    expect(result.stderr).not.toContain('plain');

    const proxy = writeTempFile(
      'cam.json',
      JSON.stringify({ cameras: [{ id: 'a' }], trustProxy: ['not-an-ip'] }),
    );
    const bad = await runServerToExit({}, 10_000, ['--config', proxy]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^cam: invalid config file .*: trustProxy\[0\]: must be an IP address/);
  });
});
