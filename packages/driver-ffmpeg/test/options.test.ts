import { describe, expect, test } from 'vitest';
import { driver, ffmpegArgs, parseFfmpegOptions, redactCredentials } from '../src/index.js';

describe('options', () => {
  test('reads the environment’s strings into typed options', () => {
    expect(
      parseFfmpegOptions({
        input: 'rtsp://cam/stream',
        fps: '10',
        width: '640',
        quality: '90',
        rtspTransport: 'TCP',
        inputArgs: '-fflags,nobuffer',
      }),
    ).toEqual({
      input: 'rtsp://cam/stream',
      fps: 10,
      width: 640,
      quality: 90,
      rtspTransport: 'tcp',
      inputArgs: ['-fflags', 'nobuffer'],
    });
  });

  test.each([
    [{}, /option "input" must be what ffmpeg should open/],
    [{ input: 'x', rtspTransport: 'http' }, /option "rtspTransport" must be one of tcp, udp/],
    [{ input: 'x', quality: '0' }, /option "quality" must be an integer from 1 to 100/],
    [{ input: 'x', fsp: '3' }, /unknown option "fsp"/],
  ])('refuses %j', (raw, message) => {
    expect(() => driver.parseOptions(raw)).toThrow(message);
  });

  test('the command line: transport and input options before -i; filters only when encoding', () => {
    const args = ffmpegArgs(
      { input: 'rtsp://cam/s', rtspTransport: 'udp', fps: 5, width: 320, quality: 100 },
      false,
    );
    expect(args.join(' ')).toMatch(
      /-rtsp_transport udp -i rtsp:\/\/cam\/s .*-c:v mjpeg -q:v 2 -vf fps=5,scale=320:-2,format=yuvj420p -f mjpeg/,
    );
    expect(args).not.toContain('-re'); // a live source
    expect(ffmpegArgs({ input: '/videos/a.mkv' }, true).join(' ')).toMatch(
      /-re -i \/videos\/a\.mkv .*-c:v copy -f mjpeg/,
    );
  });

  test('credentials in URLs are replaced in anything shown', () => {
    expect(redactCredentials('rtsp://admin:pw@10.0.0.2/s: 401 Unauthorized')).toBe(
      'rtsp://***@10.0.0.2/s: 401 Unauthorized',
    );
  });
});

describe('no password in what a failure carries', () => {
  test('a missing ffmpeg: the error and its cause hold no part of the input URL', async () => {
    const { FfmpegCamera } = await import('../src/index.js');
    const camera = new FfmpegCamera({
      input: 'rtsp://admin:Hidden-Pw-9@cam/s',
      command: '/nonexistent/ffmpeg',
    });
    const error = await camera
      .subscribe()
      .next()
      .catch((e: unknown) => e as Error);
    await camera.close();
    expect((error as { code?: string }).code).toBe('DEPENDENCY_MISSING');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('Hidden-Pw-9');
    expect(
      JSON.stringify((error as Error).cause, Object.getOwnPropertyNames((error as Error).cause)),
    ).not.toContain('Hidden-Pw-9');
  });
});
