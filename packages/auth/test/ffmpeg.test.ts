// ffmpeg reads the stream with the password in the URL (http://user:pass@host/...), as VLC, OctoPrint
// and other existing clients do, and with a signed link.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { requireTool, test, users } from './support.js';

const run = promisify(execFile);
const FFMPEG = '/usr/bin/ffmpeg';

function grabFrames(url: string, file: string) {
  return run(
    FFMPEG,
    ['-nostdin', '-loglevel', 'error', '-f', 'mpjpeg', '-i', url, '-frames:v', '3', '-y', file],
    {
      timeout: 30_000,
    },
  );
}

test('ffmpeg with user:pass in the URL, and with a signed link, reads real frames', {
  timeout: 60_000,
}, async ({ start, tempDir, skip }) => {
  const missing = requireTool(FFMPEG, 'apt-get install ffmpeg');
  if (missing) skip(missing);
  const server = await start({
    users: await users([{ name: 'viewer', password: 's3cret pass', role: 'viewer' }]),
  });

  await grabFrames(
    `http://viewer:s3cret%20pass@127.0.0.1:${server.port}/cameras/a/stream`,
    `${tempDir}/%d.jpg`,
  );
  for (const n of [1, 2, 3])
    expect((await readFile(`${tempDir}/${n}.jpg`)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

  const link = server.auth.mintLink({ camera: 'b', route: 'stream', expiresIn: 60 });
  await grabFrames(`${server.url}/cameras/b/stream?${link.query}`, `${tempDir}/link-%d.jpg`);
  expect((await readFile(`${tempDir}/link-3.jpg`)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

  // A wrong password fails ffmpeg with the server's 401.
  await expect(
    grabFrames(`http://viewer:wrong@127.0.0.1:${server.port}/cameras/a/stream`, `${tempDir}/x-%d.jpg`),
  ).rejects.toThrow(/401/);
});
