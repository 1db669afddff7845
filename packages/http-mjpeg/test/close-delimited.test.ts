// Streams are close-delimited (no chunked encoding: the connection's end ends the body, and the multipart
// close delimiter says the stream ended on purpose). Every kind of client must read that: a strict
// Content-Length parser (MjpegParser, as VLC reads parts), a naive reader that splits the bytes at the
// boundary (as OctoPrint-style scripts do), Node's own HTTP client, and curl. ffmpeg and headless
// Chromium read the shipped server's streams in apps/server's tests (ffmpeg.test.ts, browser*.test.ts);
// Firefox and WebKit are issue 14's.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { testJpegNumber } from '@cam/core/testing';
import { describe, expect, test, vi } from 'vitest';
import { MjpegParser } from '../src/client.js';
import { createStreamHandler } from '../src/index.js';
import { isWholeJpeg, recordFrames, Scope, toolMissing, WAIT } from './support.js';

const scope = new Scope();

/** A GET through node:http: the response and every body byte until the server ends it. */
function get(port: number, path: string): Promise<{ res: http.IncomingMessage; body: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const body = new Promise<Buffer>((done, fail) => {
        res.once('end', () => done(Buffer.concat(chunks)));
        res.once('error', fail);
      });
      resolve({ res, body });
    });
    req.once('error', reject);
    scope.add(() => req.destroy());
  });
}

/**
 * The naive way: split the body at every `--frame`, take what follows each part's blank line, drop the
 * CRLF before the next boundary. No Content-Length, no state machine.
 */
function splitAtBoundary(body: Buffer): Buffer[] {
  const jpegs: Buffer[] = [];
  for (const piece of body.toString('latin1').split('--frame')) {
    const start = piece.indexOf('\r\n\r\n');
    if (start < 0) continue;
    const jpeg = Buffer.from(piece.slice(start + 4).replace(/\r\n$/, ''), 'latin1');
    if (jpeg.length) jpegs.push(jpeg);
  }
  return jpegs;
}

describe('close-delimited streams', () => {
  test('node:http, MjpegParser and a naive boundary splitter read the whole stream to its close', async () => {
    const camera = scope.camera({ interval: 20, frameSize: 50_000 });
    const produced = recordFrames(camera);
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const { res, body } = await get(server.port, '/stream'); // the headers come with the first frame
    await vi.waitFor(() => expect(camera.state.framesCaptured >= 5, 'a few frames').toBe(true), WAIT);
    await camera.close(); // ends the stream on purpose: the close delimiter, then the connection's end
    const bytes = await body;

    expect(res.statusCode).toBe(200);
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBeUndefined();
    const parser = new MjpegParser();
    const parts = parser.push(bytes);
    expect(parser.closed, 'the close delimiter arrived').toBe(true);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    // Every part is exactly a frame the camera produced.
    for (const part of parts) expect(part.body).toEqual(produced.get(testJpegNumber(part.body)!)!.data);

    const naive = splitAtBoundary(bytes);
    expect(naive).toEqual(parts.map((part) => part.body));
    for (const jpeg of naive) expect(isWholeJpeg(jpeg)).toBe(true);
  });

  test.skipIf(toolMissing('curl', ['--version'], 'apt-get install curl'))(
    'curl reads the stream and exits 0 when the server ends it',
    async () => {
      const camera = scope.camera({ interval: 20, frameSize: 20_000 });
      const server = await scope.serve({ '/stream': createStreamHandler(camera) });
      const curl = new Promise<{ code: number; stdout: Buffer; stderr: string }>((resolve) => {
        const child = execFile(
          'curl',
          [
            '--silent',
            '--show-error',
            '--no-buffer',
            '--max-time',
            '20',
            `http://127.0.0.1:${server.port}/stream`,
          ],
          { encoding: 'buffer', maxBuffer: 64 * 2 ** 20 },
          (error, stdout, stderr) =>
            resolve({
              code: (error as { code?: number } | null)?.code ?? 0,
              stdout,
              stderr: stderr.toString(),
            }),
        );
        scope.add(() => child.kill());
      });
      await vi.waitFor(
        () =>
          expect(camera.state.framesCaptured >= 5 && camera.state.viewers === 1, 'curl to watch').toBe(true),
        WAIT,
      );
      await camera.close();
      const { code, stdout, stderr } = await curl;
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const parser = new MjpegParser();
      const parts = parser.push(stdout);
      expect(parser.closed).toBe(true);
      expect(parts.length).toBeGreaterThanOrEqual(1);
      const numbers = parts.map((part) => testJpegNumber(part.body));
      expect(numbers).not.toContain(undefined);
      expect(numbers).toEqual([...numbers].sort((a, b) => a! - b!));
    },
  );
});
