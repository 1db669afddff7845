import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runConformanceSuite, TestCamera } from '@cam/core/testing';
import { createStreamHandler } from '@cam/http-mjpeg';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { driver } from '../src/index.js';

// The upstream is cam itself: @cam/http-mjpeg's stream handler on node:http, over a camera at 30 fps.
const origin = new TestCamera({ interval: 33 });
const server = createServer(createStreamHandler(origin));
// Filled in once the origin listens: the suite reads the options when its tests run.
const options: Record<string, string> = {};

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  options.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/video_feed`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await origin.close();
});

runConformanceSuite({
  test,
  describe,
  name: 'mjpeg driver conformance (relaying @cam/http-mjpeg)',
  driver,
  options,
  supports: {
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    deviceError: { options: { url: 'http://127.0.0.1:1/video_feed' }, code: 'DEVICE_NOT_FOUND' },
  },
});
