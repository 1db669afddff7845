import { testJpeg, testJpegNumber } from '@cam/core/testing';
import { describe, expect, test, vi } from 'vitest';
import { createStreamHandler } from '../src/index.js';
import { recordFrames, request, Scope, WAIT } from './support.js';

const scope = new Scope();

describe('?fps=N caps one viewer', () => {
  test('a viewer asking for 5 fps of a 50 fps camera gets frames 200 ms of capture time apart; another viewer gets them all', async () => {
    const camera = scope.camera({ interval: 20 });
    const captured = recordFrames(camera);
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const capped = await scope.connect(server.port, '/stream?fps=5');
    const full = await scope.connect(server.port, '/stream');
    // Checked on the frames' capture times, not the wall clock: the same on a loaded machine.
    await vi.waitFor(() => expect(capped.parts.length, 'capped frames').toBeGreaterThanOrEqual(8), {
      timeout: 20_000,
      interval: 50,
    });
    const times = (numbers: number[]) => numbers.map((number) => captured.get(number)!.capturedAt);
    const gaps = (at: number[]) => at.slice(1).map((time, i) => time - at[i]!);
    const cappedNumbers = capped.frameNumbers;
    for (let i = 1; i < cappedNumbers.length; i++)
      expect(cappedNumbers[i]).toBeGreaterThan(cappedNumbers[i - 1]!);
    // Never faster than 5 fps (1000 / 5 ms, less the 2 ms the cap allows for timer jitter)...
    for (const gap of gaps(times(cappedNumbers))) expect(gap).toBeGreaterThanOrEqual(198);
    // ...while the uncapped viewer, over the same frames, got many more, closer together.
    const [first, last] = [cappedNumbers[0]!, cappedNumbers.at(-1)!];
    const fullNumbers = full.frameNumbers.filter((number) => number >= first && number <= last);
    expect(fullNumbers.length).toBeGreaterThan(cappedNumbers.length);
    expect(Math.min(...gaps(times(fullNumbers)))).toBeLessThan(198);
  });

  test.each([['0'], ['-2'], ['fast'], ['2000']])('?fps=%j is a 400 naming the parameter', async (fps) => {
    const camera = scope.camera({ interval: 10 });
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const answer = await request(server.port, `/stream?fps=${fps}`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString()).error).toMatchObject({
      code: 'BAD_PARAMETER',
      parameter: 'fps',
    });
    expect(camera.opens).toBe(0);
  });
});

describe('advance headers for Blink and WebKit browsers', () => {
  test('?advance_headers=1: each frame is followed at once by the delimiter and the next part headers', async () => {
    const camera = scope.camera({});
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    let body = Buffer.alloc(0);
    const { get } = await import('node:http');
    const req = get(
      { host: '127.0.0.1', port: server.port, path: '/stream?advance_headers=1', agent: false },
      (res) => {
        res.on('data', (chunk: Buffer) => {
          body = Buffer.concat([body, chunk]);
        });
      },
    );
    req.on('error', () => undefined);
    scope.add(() => req.destroy());
    await vi.waitFor(() => expect(camera.state.viewers === 1, 'the viewer').toBe(true), WAIT);
    camera.push();
    const expected = Buffer.concat([
      Buffer.from('--frame\r\nContent-Type: image/jpeg\r\n\r\n'),
      testJpeg(1),
      Buffer.from('\r\n--frame\r\nContent-Type: image/jpeg\r\n\r\n'),
    ]);
    await vi.waitFor(
      () => expect(body.length >= expected.length, 'frame 1 and the next headers').toBe(true),
      WAIT,
    );
    expect(body.equals(expected)).toBe(true);
  });

  const ADVANCE = '--frame\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8';
  const STANDARD = /^--frame\r\nContent-Type: image\/jpeg\r\nContent-Length: \d+\r\n\r\n\xff\xd8/;
  const USER_AGENTS: [engine: string, userAgent: string, advance: boolean][] = [
    [
      'Chromium',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
      true,
    ],
    [
      'Safari (WebKit)',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      true,
    ],
    [
      'WebKitGTK MiniBrowser',
      'Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
      true,
    ],
    [
      'Firefox on iOS (WebKit)',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/120.0 Mobile/15E148 Safari/605.1.15',
      true,
    ],
    ['Firefox (Gecko)', 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0', false],
    ['ffmpeg', 'Lavf/59.27.100', false],
    ['curl', 'curl/8.14.1', false],
    ['VLC', 'VLC/3.0.21 LibVLC/3.0.21', false],
  ];

  test.each(USER_AGENTS)('%s: advance headers = %s', async (_engine, userAgent, advance) => {
    const camera = scope.camera({ interval: 20 });
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const { get } = await import('node:http');
    const text = await new Promise<string>((resolve, reject) => {
      const req = get(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/stream',
          headers: { 'User-Agent': userAgent },
          agent: false,
        },
        (res) => {
          let received = '';
          res.on('data', (chunk: Buffer) => {
            received += chunk.toString('latin1');
            if (received.length > 1000) {
              req.destroy();
              resolve(received);
            }
          });
        },
      );
      req.on('error', reject);
    });
    if (advance) {
      expect(text).not.toContain('Content-Length');
      expect(text.startsWith(ADVANCE)).toBe(true);
    } else expect(text).toMatch(STANDARD);
  });

  test('?advance_headers=maybe is a 400', async () => {
    const camera = scope.camera({ interval: 10 });
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const answer = await request(server.port, '/stream?advance_headers=maybe');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString()).error.parameter).toBe('advance_headers');
  });
});

describe('offline frames', () => {
  const OFFLINE = testJpeg(999_999);

  test('a failing camera: the stream shows the offline frame, stays open, and continues live after the retry', async () => {
    const camera = scope.camera({ interval: 20, retryInitialDelay: 300 });
    const reasons: string[] = [];
    const server = await scope.serve({
      '/stream': createStreamHandler(camera, {
        offlineFrame: (error) => {
          reasons.push(error.message);
          return OFFLINE;
        },
      }),
    });
    const client = await scope.connect(server.port, '/stream');
    await vi.waitFor(() => expect(client.parts.length >= 3, 'live frames').toBe(true), WAIT);
    camera.failNext(new Error('cable pulled'));
    await vi.waitFor(() => expect(client.frameNumbers.includes(999_999), 'the offline frame').toBe(true), {
      ...WAIT,
      timeout: 3000,
    });
    const offlineAt = client.frameNumbers.indexOf(999_999);
    await vi.waitFor(
      () => expect(client.frameNumbers.length > offlineAt + 3, 'live frames after the retry').toBe(true),
      { ...WAIT, timeout: 5000 },
    );
    expect(client.closed).toBe(false);
    expect(client.error).toBeUndefined();
    expect(reasons[0]).toContain('cable pulled');
    const after = client.frameNumbers.slice(offlineAt + 1);
    expect(after.every((n) => n !== 999_999 && n > client.frameNumbers[offlineAt - 1]!)).toBe(true);
  });

  test('a camera that cannot open: 200 with the offline frame at once, instead of a 503', async () => {
    const camera = scope.camera({ interval: 20, failOpens: 100, retryInitialDelay: 60_000 });
    const server = await scope.serve({
      '/stream': createStreamHandler(camera, { offlineFrame: () => OFFLINE }),
    });
    const first = await scope.connect(server.port, '/stream');
    await vi.waitFor(() => expect(first.parts.length >= 1, 'the offline frame').toBe(true), {
      ...WAIT,
      timeout: 3000,
    });
    expect(first.status).toBe(200);
    expect(testJpegNumber(first.parts[0]!.body)).toBe(999_999);
    // A viewer arriving while the camera waits a minute to retry sees the reason at once too.
    const second = await scope.connect(server.port, '/stream');
    await vi.waitFor(
      () => expect(second.parts.length >= 1, 'the offline frame for a new viewer').toBe(true),
      { ...WAIT, timeout: 1000 },
    );
    expect(testJpegNumber(second.parts[0]!.body)).toBe(999_999);
  });
});

test('bytesSent counts what each viewer was sent', async () => {
  const camera = scope.camera({ interval: 20 });
  const server = await scope.serve({ '/stream': createStreamHandler(camera) });
  const client = await scope.connect(server.port, '/stream');
  await vi.waitFor(() => expect(client.parts.length >= 5, 'five frames').toBe(true), WAIT);
  const [viewer] = [...camera.viewers()];
  await vi.waitFor(
    () => expect(viewer!.bytesSent >= client.bodyBytes - 64, 'the counters to agree').toBe(true),
    WAIT,
  );
  expect(viewer!.bytesSent).toBeGreaterThan(5 * testJpeg(1).length);
  // the body holds what was counted, less the opening delimiter, give or take a part in flight
  expect(Math.abs(viewer!.bytesSent + '--frame\r\n'.length - client.bodyBytes)).toBeLessThan(2 * 400);
});

test('framesSent counts the frames written to the client: a ?fps viewer is not credited with the frames it skipped', async () => {
  const camera = scope.camera({ interval: 20 });
  const server = await scope.serve({ '/stream': createStreamHandler(camera) });
  const client = await scope.connect(server.port, '/stream?fps=5');
  await vi.waitFor(() => expect(client.parts.length).toBeGreaterThanOrEqual(4), { timeout: 5000 });
  const [viewer] = [...camera.viewers()];
  // Every part the client parsed was counted, and nothing more (a part may be in flight: wait for it).
  await vi.waitFor(() => expect(viewer!.framesSent).toBe(client.parts.length));
  expect(viewer!.framesReceived).toBeGreaterThan(viewer!.framesSent * 2);
});
