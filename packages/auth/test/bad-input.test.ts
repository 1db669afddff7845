// Garbage in cookies, link parameters and headers is a refusal, never an exception: the server stays up.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, vi } from 'vitest';
import { GrantTracker } from '../src/grant-tracker.js';
import { SESSION_COOKIE } from '../src/index.js';
import { test, users } from './support.js';

describe('bad input', () => {
  test('garbage cookies and link parameters get 401/403, and the server carries on', async ({ start }) => {
    const server = await start({
      users: await users([{ name: 'alice', password: 'alice-pw', role: 'admin' }]),
    });
    const cookies = [
      '',
      '.',
      '....',
      'a.b.c.d.e',
      `x.y.${'9'.repeat(40)}.z.w`,
      '%ff%fe',
      '\u00ff\u00fe.\u00fd.1.\u00fc.\u00fb',
      'a'.repeat(4000),
    ];
    for (const value of cookies) {
      const response = await fetch(`${server.url}/cameras/a/snapshot`, {
        headers: { cookie: `${SESSION_COOKIE}=${value}` },
      });
      expect(response.status, value).toBe(401);
    }
    const queries = [
      'sig=',
      'expires=',
      'expires=-1&sig=x',
      `expires=1e99&sig=${'A'.repeat(43)}`,
      'expires=1&sig=%zz',
      'sig=a&sig=b&expires=1&expires=2',
    ];
    for (const query of queries) {
      const response = await fetch(`${server.url}/cameras/a/snapshot?${query}`);
      expect(response.status, query).toBe(403);
    }
    expect(server.log.filter((line) => line.startsWith('ERROR'))).toEqual([]);
  });
});

describe('GrantTracker', () => {
  test('a grant longer than a timer can wait (24.8 days) still ends on time', () => {
    vi.useFakeTimers();
    try {
      const tracker = new GrantTracker(Date.now);
      const res = Object.assign(new EventEmitter(), {
        destroyed: false,
        writableEnded: false,
        destroy: vi.fn(),
      });
      const days = 40;
      tracker.track(res as unknown as ServerResponse, {
        signed: true,
        expires: Math.floor(Date.now() / 1000) + days * 86_400,
      });
      vi.advanceTimersByTime((days * 86_400 - 2) * 1000);
      expect(res.destroy).not.toHaveBeenCalled();
      vi.advanceTimersByTime(3000);
      expect(res.destroy).toHaveBeenCalledOnce();
      expect(tracker.size).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test('a response that closes first is forgotten, with its timer', () => {
    const tracker = new GrantTracker(Date.now);
    const res = Object.assign(new EventEmitter(), {
      destroyed: false,
      writableEnded: false,
      destroy: vi.fn(),
    });
    tracker.track(res as unknown as ServerResponse, {
      signed: true,
      expires: Math.floor(Date.now() / 1000) + 60,
    });
    expect(tracker.size).toBe(1);
    res.emit('close');
    expect(tracker.size).toBe(0);
    tracker.endSigned();
    expect(res.destroy).not.toHaveBeenCalled();
  });
});
