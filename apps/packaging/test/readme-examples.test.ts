// The README examples, run as written (the first TypeScript block of each README), plus a few lines of
// checks appended: the emulated camera's example closes its camera; http-mjpeg's serves the stream and
// snapshots at their URLs and nothing else (a browser's /favicon.ico request must not open a stream).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, onTestFinished, test } from 'vitest';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(HERE, '../..');

function firstTypeScriptBlock(readme: string): string {
  const text = readFileSync(join(REPO, readme), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  if (!block) throw new Error(`no \`\`\`ts block in ${readme}`);
  return block;
}

/** Runs `code` as an ES module from this package, where every @cam package resolves. */
async function runModule(code: string): Promise<string> {
  const dir = mkdtempSync(join(HERE, '.readme-example-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'example.mjs');
  writeFileSync(file, code);
  const { stdout } = await run(process.execPath, [file], { timeout: 30_000 });
  return stdout;
}

test('the emulated driver example takes a frame and closes its camera', async () => {
  const example = firstTypeScriptBlock('packages/driver-emulated/README.md');
  const stdout = await runModule(
    `${example}\nconsole.log(JSON.stringify({ bytes: frame.data.length, status: camera.state.status }));\n`,
  );
  expect(JSON.parse(stdout)).toMatchObject({ status: 'closed' });
  expect(JSON.parse(stdout).bytes).toBeGreaterThan(1000);
});

test('the http-mjpeg example streams at /video_feed, snapshots at /snapshot.jpg, and 404s the rest', async () => {
  const example = firstTypeScriptBlock('packages/http-mjpeg/README.md');
  expect(example).toContain('server.listen(5000)');
  const checks = `
await new Promise((resolve) => server.once('listening', resolve));
const base = 'http://127.0.0.1:' + server.address().port;
const favicon = await fetch(base + '/favicon.ico');
await favicon.arrayBuffer();
const snap = await fetch(base + '/snapshot.jpg');
const jpeg = Buffer.from(await snap.arrayBuffer());
const controller = new AbortController();
const feed = await fetch(base + '/video_feed', { signal: controller.signal });
controller.abort();
console.log(JSON.stringify({
  favicon: favicon.status,
  snapshot: [snap.status, jpeg[0] === 0xff && jpeg[1] === 0xd8],
  feed: [feed.status, feed.headers.get('content-type')],
}));
await camera.close();
server.close();
server.closeAllConnections();
`;
  const stdout = await runModule(example.replace('server.listen(5000)', 'server.listen(0)') + checks);
  expect(JSON.parse(stdout)).toEqual({
    favicon: 404,
    snapshot: [200, true],
    feed: [200, 'multipart/x-mixed-replace; boundary=frame'],
  });
});
