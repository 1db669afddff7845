// The `seek` scenario: 24 hours of recordings (one camera, 1440 segments of 60 s) and the shipped server
// asked for `?at=` at random points in them: how long until the first recorded frame arrives. Frames
// are tiny and 1 per second: a seek costs the same at 30 fps (one cluster and one cue per second either
// way), and the files are written in seconds.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testJpeg } from '@cam/core/testing';
import { SegmentFile, segmentFileName } from '@cam/recorder';
import { type Distribution, distribution } from './stats.js';

const SERVER_MAIN = new URL('dist/main.js', import.meta.resolve('@cam/server/package.json'));
const HOURS = 24;
const SEGMENT_SECONDS = 60;

export interface SeekResult {
  hours: number;
  segments: number;
  /** Time to the first part of `stream?at=<random time>` (ms), each on a new connection. */
  streamFirstFrameMs: Distribution;
  /** Time to the whole response of `snapshot.jpg?at=<random time>` (ms). */
  snapshotMs: Distribution;
}

export async function runSeek(seeks: number): Promise<SeekResult> {
  const root = mkdtempSync(join(tmpdir(), 'cam-bench-seek-'));
  let server: ChildProcess | undefined;
  try {
    const end = Date.now() - 3600_000; // an hour ago: the server's own recording comes after it
    const start = end - HOURS * 3600_000;
    const segments = await writeRecordings(join(root, 'cam'), start);
    const config = join(root, 'cam.json');
    writeFileSync(
      config,
      JSON.stringify({
        cameras: [{ id: 'cam', options: { fps: 1 }, record: { dir: root, segmentSeconds: 60 } }],
      }),
    );
    const started = await startServer(config);
    server = started.child;
    const times = () => start + Math.random() * (end - start - 60_000);
    const stream: number[] = [];
    const snapshot: number[] = [];
    for (let i = 0; i < seeks; i++) {
      const at = new Date(times()).toISOString();
      stream.push(await firstChunk(started.port, `/cameras/cam/stream?at=${at}`));
      snapshot.push(await wholeResponse(started.port, `/cameras/cam/snapshot.jpg?at=${at}`));
    }
    return {
      hours: HOURS,
      segments,
      streamFirstFrameMs: distribution(stream),
      snapshotMs: distribution(snapshot),
    };
  } finally {
    server?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

/** Writes finished segments (as the recorder does: SegmentFile) covering `HOURS` from `start`. */
async function writeRecordings(dir: string, start: number): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const count = (HOURS * 3600) / SEGMENT_SECONDS;
  for (let n = 0; n < count; n++) {
    const segmentStart = start + n * SEGMENT_SECONDS * 1000;
    const first = testJpeg(n * SEGMENT_SECONDS);
    const file = await SegmentFile.create(
      join(dir, segmentFileName(segmentStart)),
      first,
      segmentStart,
      1000,
    );
    for (let s = 0; s < SEGMENT_SECONDS; s++)
      await file.add(testJpeg(n * SEGMENT_SECONDS + s), segmentStart + s * 1000);
    await file.finish();
  }
  return count;
}

async function startServer(config: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVER_MAIN.pathname, '--config', config], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const parsed = JSON.parse(line) as { msg?: string; port?: number };
    if (parsed.msg?.startsWith('listening on') && parsed.port) {
      child.stdout!.resume(); // keep draining its logs
      return { child, port: parsed.port };
    }
  }
  throw new Error('the server ended before it listened');
}

const JPEG_END = Buffer.from([0xff, 0xd9]);

/** ms from sending the request to the end of the first frame (the stream's delimiter comes before it). */
function firstChunk(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode}`));
      let body = Buffer.alloc(0);
      res.on('data', (chunk: Buffer) => {
        body = Buffer.concat([body, chunk]);
        if (!body.includes(JPEG_END)) return;
        resolve(performance.now() - sent);
        req.destroy();
      });
    });
    req.once('error', reject);
    req.end();
  });
}

function wholeResponse(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode}`));
      res.resume();
      res.once('end', () => resolve(performance.now() - sent));
    });
    req.once('error', reject);
    req.end();
  });
}
