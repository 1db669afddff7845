// Issue 13: an open server says so once at start when it listens beyond loopback.
import { request } from 'node:http';
import { describe, expect, test } from 'vitest';
import { type ServerProcess, startServer } from './helpers.js';
import { startWithUsers } from './support/auth-server.js';

const WARNING =
  /^no users are configured and the server listens on every network interface: anyone who can reach it can watch every camera/;

/**
 * Makes the server log a line of its own (a request for a name it does not answer to): every line of
 * the start, the warning included, is in the log before that one.
 */
async function loggedAfterStart(proc: ServerProcess, port: number): Promise<void> {
  const from = proc.mark();
  await new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port, headers: { Host: 'not-this-server.example' } }, (res) => {
      res.resume();
      res.on('end', resolve);
    })
      .on('error', reject)
      .end();
  });
  await proc.waitForLog((line) => /^bad request/.test(line.msg), { from });
}

describe('the exposure warning', () => {
  test('on 0.0.0.0 without users: one warning line that says how to add a user', async () => {
    const { proc, port } = await startServer({ HOST: '0.0.0.0' });
    await proc.waitForLog((line) => WARNING.test(line.msg));
    await loggedAfterStart(proc, port);
    const lines = proc.find((line) => WARNING.test(line.msg));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(40); // warn
    expect(lines[0]!.msg).toContain('cam-server hash-password');
  });

  test('none on 127.0.0.1, nor on 0.0.0.0 with users', async () => {
    const local = await startServer({ HOST: '127.0.0.1' });
    const withUsers = await startWithUsers({}, { HOST: '0.0.0.0' });
    for (const { proc, port } of [local, withUsers]) {
      await loggedAfterStart(proc, port);
      expect(proc.find((line) => /no users are configured/.test(line.msg))).toEqual([]);
      expect(proc.find((line) => line.level >= 40).map((line) => line.msg)).toEqual([
        expect.stringMatching(/^bad request/),
      ]);
    }
  });
});
