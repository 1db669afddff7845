// Logs for people and for machines, that never block the server: readable lines with local times on a
// terminal (a real pseudo-terminal, through `script`), JSON when piped, viewer churn coalesced, and a
// stalled reader of stdout that costs log lines, never the server's answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { MAIN } from './helpers.js';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const BASE_ENV = { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1' };

interface Started {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
  exited: Promise<number | null>;
}

/** Spawns `command` in its own process group, collects its stdout, and kills the group after the test. */
function start(command: string, args: string[], env: Record<string, string | undefined>): Started {
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  });
  return { child, output: () => output, errors: () => errors, exited };
}

/** The server in a pseudo-terminal, as when someone runs it in a terminal window. */
function startInTerminal(env: Record<string, string>): Started {
  return start('script', ['-qfec', `"${process.execPath}" "${MAIN}"`, '/dev/null'], { ...BASE_ENV, ...env });
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitForJsonLine(run: Started, match: (line: Record<string, unknown>) => boolean) {
  return vi.waitFor(
    () => {
      const found = jsonLines(run.output().slice(0, run.output().lastIndexOf('\n') + 1)).find(match);
      if (!found) throw new Error(`no such line yet in:\n${run.output()}`);
      return found;
    },
    { timeout: 15_000, interval: 50 },
  );
}

/** GET `path`; resolves with the status, rejects after `timeout` ms without an answer. */
function get(port: number, path: string, timeout: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeout} ms`)));
    req.once('error', reject);
    req.end();
  });
}

/** A viewer that comes and goes: opens a stream, and leaves as soon as its headers arrive. */
function connectAndLeave(port: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/video_feed', agent: false }, (res) => {
      res.destroy();
      resolve();
    });
    req.once('error', () => resolve());
    req.end();
  });
}

describe('on a terminal', () => {
  test('readable lines: local time, level, the URL to open and how to stop', async () => {
    // A time zone far from UTC shows that the times are local ones.
    const run = startInTerminal({ TZ: 'Asia/Kolkata' });
    const first = await vi.waitFor(
      () => {
        const line = run.output().replace(ANSI, '').split(/\r?\n/)[0];
        if (!line?.includes('Ctrl-C')) throw new Error(`no first line yet: ${run.output()}`);
        return line;
      },
      { timeout: 15_000 },
    );
    const match =
      /^\[(\d{4}-\d\d-\d\d \d\d:\d\d):\d\d\] INFO: listening on http:\/\/localhost:(\d+) \(Ctrl-C to stop\)/.exec(
        first,
      );
    expect(match, first).not.toBeNull();
    const kolkata = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Asia/Kolkata',
      dateStyle: 'short',
      timeStyle: 'short',
    });
    const now = Date.now();
    // The minute printed is Kolkata's minute now (or a minute ago, if the clock turned meanwhile).
    expect([kolkata.format(now), kolkata.format(now - 60_000)]).toContain(match![1]);
    expect(await get(Number(match![2]), '/healthz', 5000)).toBe(200);
  });

  test('LOG_FORMAT=json gives JSON on a terminal too; a bad LOG_FORMAT stops the start', async () => {
    const run = startInTerminal({ LOG_FORMAT: 'json' });
    const line = await waitForJsonLine(run, (l) => String(l.msg).startsWith('listening on'));
    expect(line.urls).toEqual([`http://localhost:${line.port}`]);

    const bad = start(process.execPath, [MAIN], { ...BASE_ENV, LOG_FORMAT: 'fancy' });
    expect(await bad.exited).toBe(1);
    expect(bad.errors()).toBe('cam: invalid LOG_FORMAT="fancy": expected json or pretty\n');
  });
});

describe('piped', () => {
  test('every line is JSON, at debug too; snapshots log no viewer churn; streams one summary', async () => {
    const run = start(process.execPath, [MAIN], { ...BASE_ENV, LOG_LEVEL: 'debug', CAMERA_FPS: '20' });
    const listening = await waitForJsonLine(run, (l) => String(l.msg).startsWith('listening on'));
    const port = listening.port as number;
    for (let i = 0; i < 5; i++) expect(await get(port, '/snapshot.jpg', 5000)).toBe(200);
    // debug: each request, and each join and leave, has its line
    await waitForJsonLine(run, (l) => l.msg === 'GET /snapshot.jpg 200' && l.status === 200);
    await waitForJsonLine(run, (l) => l.msg === 'viewer joined');

    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/video_feed', agent: false }, resolve);
      req.once('error', reject);
      req.end();
    });
    stream.resume();
    const summary = await waitForJsonLine(run, (l) => l.msg === 'viewers changed');
    expect(summary.viewers).toBe(1);
    stream.destroy();
    await waitForJsonLine(run, (l) => l.msg === 'viewers changed' && l.viewers === 0);

    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exited).toBe(0);
    const lines = jsonLines(run.output()); // throws if any line is not JSON
    expect(lines.at(-1)?.msg).toBe('stopped');
    // the five snapshots came and went without an info line each: only the stream's join and leave
    expect(lines.filter((l) => l.msg === 'viewers changed').map((l) => l.viewers)).toEqual([1, 0]);
  });

  test('a reader that stops reading for 20 s costs log lines, never an answer: /healthz every second', {
    timeout: 90_000,
  }, async () => {
    const run = start(process.execPath, [MAIN], { ...BASE_ENV, LOG_LEVEL: 'debug', CAMERA_FPS: '50' });
    const listening = await waitForJsonLine(run, (l) => String(l.msg).startsWith('listening on'));
    const port = listening.port as number;
    run.child.stdout!.pause(); // the pipe fills up: every later write of the server would block

    const stalledUntil = Date.now() + 20_000;
    const cycles = (async () => {
      let done = 0;
      const worker = async () => {
        while (done < 1000) {
          done += 1;
          await connectAndLeave(port);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      return done;
    })();
    const answers: number[] = [];
    while (Date.now() < stalledUntil) {
      answers.push(await get(port, '/healthz', 5000)); // rejects (and fails the test) if blocked
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(await cycles).toBeGreaterThanOrEqual(1000);
    expect(answers.length).toBeGreaterThanOrEqual(15);
    expect(answers.every((status) => status === 200)).toBe(true);

    run.child.stdout!.resume();
    const report = await waitForJsonLine(
      run,
      (l) => l.level === 40 && String(l.msg).includes('log lines dropped'),
    );
    expect(report.dropped).toBeGreaterThan(0);
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exited).toBe(0);
    expect(jsonLines(run.output()).at(-1)?.msg).toBe('stopped');
  });
});
