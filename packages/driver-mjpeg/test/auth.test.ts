import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CameraError, isCameraError } from '@cam/core';
import { describe, expect, onTestFinished, test } from 'vitest';
import { MjpegCamera, type MjpegCameraOptions } from '../src/index.js';
import { CAM_STYLE, FRAMES, frameIndex, serve, streamFrames } from './support.js';

const USER = 'viewer';
const PASSWORD = 's3cret-Pa55';

function camera(options: MjpegCameraOptions): MjpegCamera {
  const camera = new MjpegCamera(options, { idleTimeout: 60_000, retryInitialDelay: 50 });
  onTestFinished(() => camera.close());
  return camera;
}

async function failure(promise: Promise<unknown>): Promise<CameraError> {
  const error = await promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error,
  );
  if (!isCameraError(error)) throw error;
  return error;
}

/** Everything an error says, its causes included: none of it may hold the password. */
function allText(error: unknown): string {
  let text = '';
  for (let e = error as Error | undefined; e; e = e.cause as Error | undefined)
    text += `${e.message}\n${e.stack}\n`;
  return text;
}

/** A fixture server that wants Basic auth, then streams or sends snapshots. */
function basic(then: (req: IncomingMessage, res: ServerResponse) => void) {
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization === expected) return then(req, res);
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cam"' }).end();
  };
}

/**
 * A fixture server that wants Digest auth (RFC 7616, MD5, qop=auth), checking the response the client
 * computed against its own, and that each request counts its nonce use up.
 */
function digest(then: (req: IncomingMessage, res: ServerResponse) => void) {
  const nonce = randomBytes(12).toString('hex');
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  let lastCount = 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers.authorization ?? '';
    const fields = Object.fromEntries(
      [...header.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]),
    );
    if (header.startsWith('Digest ') && fields.nonce === nonce && fields.username === USER) {
      const ha1 = md5(`${USER}:cam:${PASSWORD}`);
      const ha2 = md5(`${req.method}:${fields.uri}`);
      const expected = md5(`${ha1}:${nonce}:${fields.nc}:${fields.cnonce}:auth:${ha2}`);
      const count = Number.parseInt(fields.nc ?? '', 16);
      if (fields.response === expected && fields.uri === req.url && count > lastCount) {
        lastCount = count;
        return then(req, res);
      }
    }
    res
      .writeHead(401, {
        'WWW-Authenticate': `Digest realm="cam", qop="auth", nonce="${nonce}", opaque="xyz", algorithm=MD5`,
      })
      .end();
  };
}

function snapshots(req: IncomingMessage, res: ServerResponse) {
  void req;
  res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(FRAMES[0]);
}

describe('authentication', () => {
  test('401 without credentials: UNAUTHORIZED, saying that none were given', async () => {
    const upstream = await serve(basic(streamFrames(CAM_STYLE)));
    const error = await failure(camera({ url: upstream.url }).subscribe().next());
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/answered 401 Unauthorized: no credentials were given/);
  });

  test('Basic, with the credentials in the URL: frames flow; the URL in messages has none', async () => {
    const upstream = await serve(basic(streamFrames(CAM_STYLE)));
    const url = upstream.url.replace('http://', `http://${USER}:${encodeURIComponent(PASSWORD)}@`);
    const cam = camera({ url });
    expect(frameIndex((await cam.subscribe().next()).data)).not.toBe(-1);
    expect(cam.upstream).toBe(upstream.url);
    // Nothing is sent before the server asks: the first request carries no Authorization.
    expect(upstream.requests[0]!.headers.authorization).toBeUndefined();
  });

  test('Basic with a wrong password: UNAUTHORIZED, and the password appears nowhere', async () => {
    const upstream = await serve(basic(streamFrames(CAM_STYLE)));
    const wrong = 'wrong-Pa55';
    const url = upstream.url.replace('http://', `http://${USER}:${wrong}@`);
    const cam = camera({ url: `${url}?pwd=${wrong}` });
    const error = await failure(cam.subscribe().next());
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/credentials were refused/);
    expect(allText(error)).not.toContain(wrong);
    expect(JSON.stringify(cam.state)).not.toContain(wrong);
  });

  test('Digest, with the credentials as options, for a stream', async () => {
    const upstream = await serve(digest(streamFrames(CAM_STYLE)));
    const cam = camera({ url: upstream.url, username: USER, password: PASSWORD });
    const viewer = cam.subscribe();
    for (let i = 0; i < 3; i++) expect(frameIndex((await viewer.next()).data)).not.toBe(-1);
    expect(upstream.requests[1]!.headers.authorization).toMatch(/^Digest /);
  });

  test('Digest for a snapshot URL: each poll answers with a fresh nonce count, no new challenge', async () => {
    const upstream = await serve(digest(snapshots), '/snapshot.jpg');
    const cam = camera({ url: upstream.url, username: USER, password: PASSWORD, snapshotFps: 20 });
    const viewer = cam.subscribe();
    for (let i = 0; i < 4; i++) expect(frameIndex((await viewer.next()).data)).toBe(0);
    const challenged = upstream.requests.filter((req) => !req.headers.authorization);
    expect(challenged).toHaveLength(1);
  });

  test('Digest with a wrong password: UNAUTHORIZED, and the password appears nowhere', async () => {
    const upstream = await serve(digest(streamFrames(CAM_STYLE)));
    const error = await failure(
      camera({ url: upstream.url, username: USER, password: 'nope-Pa55' }).subscribe().next(),
    );
    expect(error.code).toBe('UNAUTHORIZED');
    expect(allText(error)).not.toContain('nope-Pa55');
  });
});
