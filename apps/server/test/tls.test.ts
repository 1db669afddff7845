// HTTPS: the certificate and key from the config file or TLS_CERT/TLS_KEY, checked at start; the stream
// over TLS to ffmpeg and to headless Chromium; SIGHUP to the real server process swaps the certificate
// for new connections while an open stream keeps flowing. Certificates are made by Debian's openssl.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { configFromEnv } from '../src/config.js';
import { configFromFile } from '../src/config-file.js';
import {
  CHROMIUM,
  CHROMIUM_INSTALL,
  frameNumber,
  isWholeJpeg,
  launchChromium,
  missingToolNote,
  rawConnect,
  requireTool,
  run,
  runServerToExit,
  startServer,
  tempDir,
} from './helpers.js';
import { expectLiveImage, expectLiveTiles } from './support/page-frames.js';
import { recordProtocols } from './support/page-protocols.js';
import { makeCertificate, openHttpsStream, servedFingerprint } from './support/tls.js';

const OPENSSL_INSTALL = 'apt-get install openssl';
const haveOpenssl = () => requireTool('openssl', OPENSSL_INSTALL);

describe('TLS settings', () => {
  test('tls.cert and tls.key in a config file are relative to the file; TLS_CERT and TLS_KEY replace them', () => {
    const dir = tempDir();
    const path = join(dir, 'cam.json');
    writeFileSync(
      path,
      JSON.stringify({ tls: { cert: './tls/cam.crt', key: 'cam.key' }, cameras: [{ id: 'front' }] }),
    );
    expect(configFromFile(path, {}).tls).toMatchObject({
      cert: join(dir, 'tls/cam.crt'),
      key: join(dir, 'cam.key'),
    });
    expect(configFromFile(path, { TLS_CERT: '/etc/a.crt', TLS_KEY: '/etc/a.key' }).tls).toMatchObject({
      cert: '/etc/a.crt',
      key: '/etc/a.key',
    });
    expect(() => configFromFile(path, { TLS_CERT: '/etc/a.crt' })).toThrow(
      'TLS_CERT is set without TLS_KEY: HTTPS needs both',
    );
  });

  test('TLS_CERT and TLS_KEY: both or neither, relative to where the command ran; a bad tls key is refused', () => {
    expect(configFromEnv({}).tls).toBeUndefined();
    expect(configFromEnv({ TLS_CERT: ' ', TLS_KEY: '' }).tls).toBeUndefined(); // blank counts as unset
    expect(() => configFromEnv({ TLS_KEY: 'cam.key' })).toThrow('TLS_KEY is set without TLS_CERT');
    // Relative to where the user ran the command (INIT_CWD under pnpm), as CAM_CONFIG is.
    expect(
      configFromEnv({ TLS_CERT: 'tls/cam.crt', TLS_KEY: '/etc/cam.key', INIT_CWD: '/srv/cam' }).tls,
    ).toEqual({
      cert: '/srv/cam/tls/cam.crt',
      key: '/etc/cam.key',
      describe: { cert: 'TLS_CERT', key: 'TLS_KEY' },
    });
    const dir = tempDir();
    const path = join(dir, 'cam.yaml');
    writeFileSync(path, 'tls: { cert: a.crt, key: a.key, chain: b.crt }\ncameras: [{ id: front }]\n');
    expect(() => configFromFile(path, {})).toThrow(
      `invalid config file ${path}: tls.chain: unknown key (known keys: cert, key)`,
    );
    writeFileSync(path, 'tls: { cert: a.crt }\ncameras: [{ id: front }]\n');
    expect(() => configFromFile(path, {})).toThrow(
      `invalid config file ${path}: tls.key: expected the path of a PEM file`,
    );
  });

  test('a missing file, a file that is not PEM, or a key of another certificate stops the start: one line, exit 1', {
    timeout: 60_000,
  }, async (ctx) => {
    if (!haveOpenssl()) ctx.skip(missingToolNote('openssl', OPENSSL_INSTALL));
    const dir = tempDir();
    const one = await makeCertificate(dir, 'one');
    const two = await makeCertificate(dir, 'two');
    const notPem = join(dir, 'not-pem.crt');
    writeFileSync(notPem, 'hello\n');
    const cases = [
      { TLS_CERT: join(dir, 'absent.crt'), TLS_KEY: one.key },
      { TLS_CERT: notPem, TLS_KEY: one.key },
      { TLS_CERT: one.key, TLS_KEY: one.key }, // a key where the certificate belongs
      { TLS_CERT: one.cert, TLS_KEY: two.key },
    ];
    const expected = [
      `cam: cannot read the TLS certificate TLS_CERT (${join(dir, 'absent.crt')}): no such file`,
      `cam: TLS_CERT (${notPem}) is not a PEM file: it has no "-----BEGIN" line`,
      `cam: TLS_CERT (${one.key}) is not a PEM certificate: `,
      `cam: TLS_KEY (${two.key}) is not the key of the certificate in TLS_CERT (${one.cert})`,
    ];
    for (const [index, env] of cases.entries()) {
      const result = await runServerToExit(env);
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(expected[index]);
      expect(result.logs.filter((line) => line.msg.startsWith('listening'))).toEqual([]);
    }
  });
  test('check-config checks the pair as a start does, and prints the absolute paths', {
    timeout: 60_000,
  }, async (ctx) => {
    if (!haveOpenssl()) ctx.skip(missingToolNote('openssl', OPENSSL_INSTALL));
    const dir = tempDir();
    const one = await makeCertificate(dir, 'one');
    const two = await makeCertificate(dir, 'two');
    const path = join(dir, 'cam.yaml');
    writeFileSync(path, 'tls: { cert: ./one.crt, key: ./two.key }\ncameras: [{ id: front }]\n');
    const refused = await runServerToExit({}, 20_000, ['check-config', path]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `cam: tls.key in ${path} (${two.key}) is not the key of the certificate in tls.cert in ${path} (${one.cert})`,
    );
    writeFileSync(path, 'tls: { cert: ./one.crt, key: ./one.key }\ncameras: [{ id: front }]\n');
    const checked = await runServerToExit({}, 20_000, ['check-config', path]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain(`tls:\n  cert: ${one.cert}\n  key: ${one.key}\n`);
  });
});

describe('HTTPS', () => {
  test('ffmpeg reads the stream over HTTPS; plain HTTP on that port is dropped; the log says https://', {
    timeout: 60_000,
  }, async (ctx) => {
    if (!haveOpenssl()) ctx.skip(missingToolNote('openssl', OPENSSL_INSTALL));
    if (!requireTool('ffmpeg', 'apt-get install ffmpeg')) ctx.skip(missingToolNote('ffmpeg', 'ffmpeg'));
    const dir = tempDir();
    const certificate = await makeCertificate(dir, 'server');
    const server = await startServer({
      CAMERA_FPS: '10',
      TLS_CERT: certificate.cert,
      TLS_KEY: certificate.key,
    });
    const listening = server.proc.find((line) => line.msg.startsWith('listening on'))[0]!;
    expect(listening.url).toBe(`https://127.0.0.1:${server.port}`);
    expect(listening.msg).toContain(`https://localhost:${server.port}`);
    expect(listening.tls).toMatchObject({
      cert: certificate.cert,
      fingerprint256: certificate.fingerprint256,
    });

    // Plain HTTP, or bytes that are no TLS at all, on the HTTPS port: the connection is dropped, nothing more.
    for (const bytes of [
      'GET /video_feed HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      '\x16\x03\x01\x00\x05hello',
    ]) {
      const connection = await rawConnect(server.port);
      connection.socket.write(bytes, 'latin1');
      await connection.closed;
    }
    expect(server.proc.exit).toBeUndefined();

    // ffmpeg does not check certificates unless told to (-tls_verify 1): a self-signed one is fine.
    const result = await run(
      'ffmpeg',
      [
        ...['-nostdin', '-loglevel', 'error', '-i', `https://127.0.0.1:${server.port}/video_feed`],
        ...['-frames:v', '3', '-c:v', 'copy', '-f', 'image2', 'out%d.jpg'],
      ],
      { cwd: dir, timeout: 20_000 },
    );
    expect(result.code, `ffmpeg stderr: ${result.stderr}`).toBe(0);
    const frames = [1, 2, 3].map((n) => readFileSync(join(dir, `out${n}.jpg`)));
    for (const frame of frames) expect(isWholeJpeg(frame)).toBe(true);
    // Copied, not re-encoded: each is one of the camera's frames byte for byte, and they move on.
    const numbers = frames.map(frameNumber);
    expect(numbers).not.toContain(undefined);
    expect(new Set(numbers).size, `frames ${numbers.join(',')}`).toBeGreaterThan(1);
  });

  test("headless Chromium shows the camera page's live stream and the grid's live tile over HTTPS", {
    timeout: 60_000,
  }, async (ctx) => {
    if (!haveOpenssl()) ctx.skip(missingToolNote('openssl', OPENSSL_INSTALL));
    if (!requireTool(CHROMIUM, CHROMIUM_INSTALL)) ctx.skip(missingToolNote(CHROMIUM, CHROMIUM_INSTALL));
    const certificate = await makeCertificate(tempDir(), 'server');
    const server = await startServer({
      CAMERA_FPS: '5',
      TLS_CERT: certificate.cert,
      TLS_KEY: certificate.key,
    });
    const browser = await launchChromium();
    const context = await browser.newContext({ ignoreHTTPSErrors: true }); // self-signed
    const page = await context.newPage();
    const responses = await recordProtocols(page);
    const response = await page.goto(`https://127.0.0.1:${server.port}/cameras/emulated`);
    expect(response?.status()).toBe(200);
    await expectLiveImage(page);
    const stream = responses.find((r) => r.url.endsWith('/cameras/emulated/stream'));
    expect(stream, `responses: ${JSON.stringify(responses)}`).toMatchObject({ status: 200 });
    expect(responses.every((r) => r.url.startsWith('https://'))).toBe(true);
    // The grid's tiles get their frames over a WebSocket: wss://, upgraded by the HTTPS server.
    await page.goto(`https://127.0.0.1:${server.port}/`);
    await expectLiveTiles(page, ['emulated']);
  });
});

describe('SIGHUP', () => {
  test('reloads the certificate for new connections while an open stream keeps flowing; a bad pair is refused', {
    timeout: 60_000,
  }, async (ctx) => {
    if (!haveOpenssl()) ctx.skip(missingToolNote('openssl', OPENSSL_INSTALL));
    const dir = tempDir();
    const old = await makeCertificate(dir, 'old');
    const renewed = await makeCertificate(dir, 'renewed');
    const stranger = await makeCertificate(dir, 'stranger');
    // The files the server reads, named relative to its config file, replaced as certbot would.
    const installAs = (certificate: { cert: string; key: string }) => {
      copyFileSync(certificate.cert, join(dir, 'cam.crt'));
      copyFileSync(certificate.key, join(dir, 'cam.key'));
    };
    installAs(old);
    const configPath = join(dir, 'cam.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        tls: { cert: './cam.crt', key: './cam.key' },
        cameras: [{ id: 'front', options: { fps: 20 } }],
      }),
    );
    const { proc, port } = await startServer({}, ['--config', configPath]);
    expect(await servedFingerprint(port)).toBe(old.fingerprint256);

    const stream = await openHttpsStream(`https://127.0.0.1:${port}/video_feed`);
    await stream.waitForParts(3);

    installAs(renewed);
    let mark = proc.mark();
    proc.child.kill('SIGHUP');
    const reloaded = await proc.waitForLog((line) => line.msg.startsWith('reloaded the TLS certificate'), {
      from: mark,
    });
    expect(reloaded.tls).toMatchObject({ fingerprint256: renewed.fingerprint256 });
    expect(await servedFingerprint(port)).toBe(renewed.fingerprint256);
    // The stream opened under the old certificate goes on, on its own connection.
    const before = stream.parts.length;
    await stream.waitForParts(before + 5);
    expect(stream.end).toBeUndefined();
    expect(stream.parseError).toBeUndefined();

    // A renewal gone wrong (a key of another certificate): logged, refused, the current pair stays.
    copyFileSync(stranger.key, join(dir, 'cam.key'));
    mark = proc.mark();
    proc.child.kill('SIGHUP');
    const refused = await proc.waitForLog((line) => line.msg.startsWith('TLS reload refused'), {
      from: mark,
    });
    expect(refused.level).toBe(50); // error
    expect(refused.msg).toContain('is not the key of the certificate in tls.cert in');
    expect(await servedFingerprint(port)).toBe(renewed.fingerprint256);
    await stream.waitForParts(stream.parts.length + 5);
    expect(stream.end).toBeUndefined();
    expect(proc.exit).toBeUndefined();
    // Every part of the stream was one of the camera's frames, whole.
    for (const part of stream.parts) expect(frameNumber(part.body)).toBeDefined();
  });
});
