// Issue 13: ffmpeg, as people use it with IP cameras, reads a stream with http://user:pass@… and with a
// signed link.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeWithFfmpeg, isWholeJpeg, missingToolNote, requireTool, run, tempDir } from './helpers.js';
import { ADMIN, basic, startWithUsers, VIEWER } from './support/auth-server.js';

const INSTALL = 'apt-get install ffmpeg';

function grabFrames(dir: string, input: string) {
  return run('ffmpeg', ['-nostdin', '-loglevel', 'error', '-i', input, '-frames:v', '3', 'out%d.jpg'], {
    cwd: dir,
    timeout: 20_000,
  });
}

describe('ffmpeg with users configured', () => {
  test('reads frames with http://user:pass@…, and with a signed link; a wrong password fails', async (ctx) => {
    if (!requireTool('ffmpeg', INSTALL)) ctx.skip(missingToolNote('ffmpeg', INSTALL));
    const { url, port } = await startWithUsers();

    const dir = tempDir();
    const withPassword = await grabFrames(
      dir,
      `http://${VIEWER.name}:${VIEWER.password}@127.0.0.1:${port}/cameras/front/stream`,
    );
    expect(withPassword.code, withPassword.stderr).toBe(0);
    for (const name of ['out1.jpg', 'out3.jpg']) {
      const jpeg = await readFile(join(dir, name));
      expect(isWholeJpeg(jpeg)).toBe(true);
      expect((await decodeWithFfmpeg(join(dir, name))).code).toBe(0);
    }

    const minted = await fetch(`${url}/api/cameras/back/links`, {
      method: 'POST',
      headers: { ...basic(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ expiresIn: 600 }),
    });
    const { url: link } = (await minted.json()) as { url: string };
    const linkDir = tempDir();
    const withLink = await grabFrames(linkDir, link);
    expect(withLink.code, withLink.stderr).toBe(0);
    expect(isWholeJpeg(await readFile(join(linkDir, 'out3.jpg')))).toBe(true);

    const wrong = await grabFrames(
      tempDir(),
      `http://${VIEWER.name}:wrong@127.0.0.1:${port}/cameras/front/stream`,
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401/);
  });
});
