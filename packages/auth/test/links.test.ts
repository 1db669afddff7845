// Signed, expiring links: GET of one camera's stream or snapshot, until expiry; revoked by rotating
// the key, which lives in a file only its owner can read. Tokens never reach the log.
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { MjpegParser } from '@cam/http-mjpeg/client';
import { describe, expect, vi } from 'vitest';
import { createAuth, redactUrl } from '../src/index.js';
import { test, users } from './support.js';

const ALICE = () => users([{ name: 'alice', password: 'alice-pw', role: 'admin' }]);

/** Reads a multipart stream until `frames` JPEGs have arrived. */
async function readFrames(response: Response, frames: number): Promise<number> {
  const parser = new MjpegParser('frame');
  let count = 0;
  const reader = response.body!.getReader();
  while (count < frames) {
    const { value, done } = await reader.read();
    if (done) break;
    count += parser.push(Buffer.from(value)).length;
  }
  await reader.cancel();
  return count;
}

describe('signed links', () => {
  test('stream and snapshot with a link, no password; CORP lets other sites embed them', async ({
    start,
  }) => {
    const server = await start({ users: await ALICE() });
    const stream = server.auth.mintLink({ camera: 'a', route: 'stream', expiresIn: 60 });
    expect(stream.query).toMatch(/^expires=\d+&sig=[A-Za-z0-9_-]{43}$/);
    const response = await fetch(`${server.url}/cameras/a/stream?${stream.query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await readFrames(response, 3)).toBe(3);

    const snapshot = server.auth.mintLink({ camera: 'a', route: 'snapshot', expiresIn: 60 });
    const jpeg = await fetch(`${server.url}/cameras/a/snapshot?${snapshot.query}`);
    expect(jpeg.status).toBe(200);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
  });

  test('refused (403) for another camera, another route, another method, a forged or missing part', async ({
    start,
  }) => {
    const server = await start({ users: await ALICE() });
    const link = server.auth.mintLink({ camera: 'a', route: 'snapshot', expiresIn: 60 });
    const refusal = async (path: string, init?: RequestInit) => {
      const response = await fetch(`${server.url}${path}`, init);
      return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
    };
    expect(await refusal(`/cameras/b/snapshot?${link.query}`)).toEqual([403, 'LINK_INVALID']);
    expect(await refusal(`/cameras/a/stream?${link.query}`)).toEqual([403, 'LINK_INVALID']);
    expect(await refusal(`/api/cameras?${link.query}`)).toEqual([403, 'LINK_INVALID']);
    expect(await refusal(`/cameras/a/snapshot?${link.query}`, { method: 'POST' })).toEqual([
      403,
      'LINK_INVALID',
    ]);
    const later = `expires=${link.expires + 3600}&sig=${link.params.sig}`;
    expect(await refusal(`/cameras/a/snapshot?${later}`)).toEqual([403, 'LINK_INVALID']);
    expect(await refusal(`/cameras/a/snapshot?expires=${link.expires}`)).toEqual([403, 'LINK_INVALID']);
    expect(await refusal(`/cameras/a/snapshot?sig=${link.params.sig}`)).toEqual([403, 'LINK_INVALID']);
  });

  test('a link streams until it expires: then the open stream ends and new requests get 403', async ({
    start,
  }) => {
    const server = await start({ users: await ALICE() });
    // Links expire on a whole second, so this one lives 3 to 4 s: long enough for several frames even
    // when a loaded CI machine is slow to start the camera (with 2 s it could be barely 1 s).
    const link = server.auth.mintLink({ camera: 'a', route: 'stream', expiresIn: 4 });
    const response = await fetch(`${server.url}/cameras/a/stream?${link.query}`);
    expect(response.status).toBe(200);
    // Frames keep coming until the expiry, then the server closes the stream.
    const parser = new MjpegParser('frame');
    let frames = 0;
    const reader = response.body!.getReader();
    const ended = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'closed';
        frames += parser.push(Buffer.from(value)).length;
      }
    })().catch(() => 'closed');
    expect(await ended).toBe('closed');
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(link.expires - 0.05);
    expect(frames).toBeGreaterThan(2);
    const after = await fetch(`${server.url}/cameras/a/stream?${link.query}`);
    expect(after.status).toBe(403);
    expect(await after.json()).toMatchObject({ error: { code: 'LINK_EXPIRED' } });
    await vi.waitFor(() => expect(server.openResponses.size).toBe(0));
  });

  test('rotating the key revokes every link and ends the streams they opened', async ({ start, tempDir }) => {
    const keyFile = `${tempDir}/keys/auth.key`;
    const server = await start({ users: await ALICE(), keyFile });
    const before = await readFile(keyFile, 'utf8');
    const snapshot = server.auth.mintLink({ camera: 'a', route: 'snapshot', expiresIn: 600 });
    const stream = server.auth.mintLink({ camera: 'b', route: 'stream', expiresIn: 600 });
    expect((await fetch(`${server.url}/cameras/a/snapshot?${snapshot.query}`)).status).toBe(200);
    const open = await fetch(`${server.url}/cameras/b/stream?${stream.query}`);
    const reader = open.body!.getReader();
    expect((await reader.read()).done).toBe(false);

    await server.auth.rotateKey();
    expect(await readFile(keyFile, 'utf8')).not.toBe(before);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    // The server cuts the stream: reading ends (or fails) instead of going on.
    const drained = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })().catch(() => 'ended');
    expect(await drained).toBe('ended');
    expect((await fetch(`${server.url}/cameras/a/snapshot?${snapshot.query}`)).status).toBe(403);
    const fresh = server.auth.mintLink({ camera: 'a', route: 'snapshot', expiresIn: 600 });
    expect((await fetch(`${server.url}/cameras/a/snapshot?${fresh.query}`)).status).toBe(200);
  });

  test('links survive a restart with the same key file, not with a new one', async ({ start, tempDir }) => {
    const keyFile = `${tempDir}/auth.key`;
    const first = await start({ users: await ALICE(), keyFile });
    const link = first.auth.mintLink({ camera: 'a', route: 'snapshot', expiresIn: 600 });
    const second = await start({ users: await ALICE(), keyFile });
    expect((await fetch(`${second.url}/cameras/a/snapshot?${link.query}`)).status).toBe(200);
    const other = await start({ users: await ALICE(), keyFile: `${tempDir}/other.key` });
    expect((await fetch(`${other.url}/cameras/a/snapshot?${link.query}`)).status).toBe(403);
  });

  test('no token in the log: the server logs request URLs through redactUrl', async ({ start }) => {
    const server = await start({ users: await ALICE() });
    const link = server.auth.mintLink({ camera: 'a', route: 'snapshot', expiresIn: 60 });
    await (await fetch(`${server.url}/cameras/a/snapshot?${link.query}&fps=2`)).arrayBuffer();
    const line = server.log.find((entry) => entry.includes('/cameras/a/snapshot'));
    expect(line).toBe(`GET /cameras/a/snapshot?expires=${link.expires}&sig=REDACTED&fps=2`);
    expect(server.log.join('\n')).not.toContain(link.params.sig);
  });

  test('mintLink checks its arguments', async ({ start }) => {
    const server = await start({ users: await ALICE(), maxLinkLifetime: 3600 });
    expect(() => server.auth.mintLink({ camera: 'a', route: 'stream', expiresIn: 3601 })).toThrow(
      'expiresIn must be a whole number of seconds from 1 to 3600',
    );
    expect(() => server.auth.mintLink({ camera: 'a', route: 'page' as 'stream', expiresIn: 60 })).toThrow(
      'route must be one of stream, snapshot',
    );
    expect(() => server.auth.mintLink({ camera: '', route: 'stream', expiresIn: 60 })).toThrow('camera');
  });
});

describe('key file', () => {
  test('created with mode 0600 in a 0700 directory; refused when others can read it', async ({ tempDir }) => {
    const keyFile = `${tempDir}/state/auth.key`;
    await createAuth({ keyFile });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(`${tempDir}/state`)).mode & 0o777).toBe(0o700);
    expect((await readFile(keyFile, 'utf8')).trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await chmod(keyFile, 0o644);
    await expect(createAuth({ keyFile })).rejects.toThrow(
      `auth.keyFile: the key file ${keyFile} can be read by other users (mode 644): run chmod 600 ${keyFile}`,
    );
    await chmod(keyFile, 0o600);
    await writeFile(keyFile, 'short\n');
    await expect(createAuth({ keyFile })).rejects.toThrow('fewer than 32 characters');
  });

  test('a key given in config cannot be rotated by the server', async () => {
    const auth = await createAuth({ key: 'k'.repeat(40) });
    await expect(auth.rotateKey()).rejects.toThrow('auth.key: the signing key is set in the config');
  });
});

describe('redactUrl', () => {
  test.each([
    ['/cameras/a/stream?expires=1&sig=abc', '/cameras/a/stream?expires=1&sig=REDACTED'],
    [
      '/x?token=t&access_token=u&password=p&fps=3',
      '/x?token=REDACTED&access_token=REDACTED&password=REDACTED&fps=3',
    ],
    [
      'http://user:secret@cam.local:5000/video_feed?sig=abc#frag',
      'http://cam.local:5000/video_feed?sig=REDACTED',
    ],
    ['/plain/path', '/plain/path'],
    ['http://[bad:url/x?sig=abc', 'http://[bad:url/x?REDACTED'],
    ['rtsp://u:p@[zz/x', 'rtsp://[zz/x'],
  ])('%s → %s', (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });
});
