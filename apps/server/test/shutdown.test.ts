// SIGTERM (docker stop, systemd) and SIGINT (Ctrl-C) end the server cleanly: every stream is ended by
// the server, the camera is released, and the process exits with 0.
import { request } from 'node:http';
import { describe, expect, test } from 'vitest';
import { frameNumber, onCleanup, openStream, partsBeforeClose, startServer } from './helpers.js';

/** A keep-alive connection that has finished its request and now sits idle. */
function idleKeepAliveConnection(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', headers: { Connection: 'keep-alive' } },
      (res) => {
        res.resume();
        res.once('end', () => resolve());
      },
    );
    req.once('error', reject);
    onCleanup(() => req.destroy());
    req.end();
  });
}

describe('shutdown', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)(
    '%s ends every stream, stops the camera and exits with 0',
    { timeout: 20_000 },
    async (signal) => {
      const { proc, port } = await startServer({ CAMERA_FPS: '10' });
      const streams = await Promise.all([openStream(port), openStream(port)]);
      await Promise.all(streams.map((stream) => stream.waitForParts(2)));
      await idleKeepAliveConnection(port);

      proc.child.kill(signal);
      const exit = await proc.waitForExit(5000, `exit after ${signal}`);
      expect(exit).toEqual({ code: 0, signal: null });
      // The streams were ended, not cut when the grace period ran out: each ends complete, below.

      for (const stream of streams) {
        // The client saw the response end (not a reset), after the close delimiter `--frame--`.
        expect(await stream.waitForEnd(2000)).toEqual({ complete: true });
        const parts = partsBeforeClose(stream.raw);
        expect(parts.length).toBeGreaterThanOrEqual(2);
        expect(parts.map((part) => frameNumber(part.body))).not.toContain(undefined);
      }

      const messages = proc.logs.map((line) => line.msg);
      const shuttingDown = proc.find({ msg: 'shutting down' });
      expect(shuttingDown).toHaveLength(1);
      expect(shuttingDown[0]!.signal).toBe(signal);
      expect(proc.find({ msg: 'camera stopped', reason: 'closed' })).toHaveLength(1);
      expect(messages.at(-1)).toBe('stopped');
      expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('camera stopped'));
      expect(
        proc.find((line) => line.level >= 40),
        'no warnings or errors',
      ).toEqual([]);
      expect(proc.stderr).toBe('');
    },
  );

  // A supervisor may signal as soon as it reads "listening on": the handlers must already be in place.
  test('SIGTERM right after "listening on" exits cleanly with 0', { timeout: 10_000 }, async () => {
    const { proc } = await startServer();
    proc.child.kill('SIGTERM');
    expect(await proc.waitForExit(3000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    const messages = proc.logs.map((line) => line.msg);
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
    expect(proc.find({ msg: 'shutting down' })[0]!.signal).toBe('SIGTERM');
  });
});
