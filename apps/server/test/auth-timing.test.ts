// Issue 13: a wrong password and an unknown user name cost the same time, so that answers do not tell
// which names exist. Measured through the real server, 200 tries each, interleaved so that the machine's
// load falls on both alike; the medians must be within 5 ms. The user's hash has a real cost (N = 2^13,
// about 10 ms on an idle machine, more under load): an unknown name that skipped the hash would be that
// much faster, and fail this.
import { request } from 'node:http';
import { hashPassword } from '@cam/auth';
import { describe, expect, test } from 'vitest';
import { startWithConfig } from './helpers.js';

const TRIES = 200;

/** One Basic-authenticated GET on a kept-alive connection; resolves with its status and duration (ms). */
function timedGet(agentPort: number, authorization: string, agent: import('node:http').Agent) {
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = performance.now();
    request(
      {
        host: '127.0.0.1',
        port: agentPort,
        path: '/api/cameras',
        agent,
        headers: { Authorization: authorization },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    )
      .on('error', reject)
      .end();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const basic = (name: string, password: string) =>
  `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;

describe('login timing', () => {
  test('an unknown user and a wrong password: medians of 200 interleaved tries each within 5 ms', async () => {
    const hash = await hashPassword('the right one', { N: 2 ** 13 });
    const { port } = await startWithConfig({
      host: '127.0.0.1',
      cameras: [{ id: 'front' }],
      // Many failures from one address are the point here: the limit must not answer them early.
      auth: { users: [{ name: 'alice', password: hash, role: 'admin' }], loginLimit: { attempts: 10_000 } },
    });
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    for (let attempt = 0; attempt < TRIES; attempt++) {
      // Alternate which goes first, too, so that neither always follows the other.
      const order = attempt % 2 ? ['wrong', 'unknown'] : ['unknown', 'wrong'];
      for (const kind of order) {
        const credentials =
          kind === 'wrong'
            ? basic('alice', `guess ${attempt}`)
            : basic(`nobody${attempt}`, `guess ${attempt}`);
        const { status, ms } = await timedGet(port, credentials, agent);
        expect(status).toBe(401);
        (kind === 'wrong' ? wrongPassword : unknownUser).push(ms);
      }
    }
    agent.destroy();
    const difference = Math.abs(median(wrongPassword) - median(unknownUser));
    expect(
      difference,
      `medians: wrong password ${median(wrongPassword)} ms, unknown user ${median(unknownUser)} ms`,
    ).toBeLessThan(5);
  }, 180_000);
});
