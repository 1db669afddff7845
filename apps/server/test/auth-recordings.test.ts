// Recordings behind users (issues 13 and 16): the recording routes and `?at=` are camera routes like any
// other, so a viewer reaches only its own cameras' past, and nobody reaches it without credentials.
import { describe, expect, test, vi } from 'vitest';
import { ADMIN, basic, startWithUsers, VIEWER } from './support/auth-server.js';
import { tempDir } from './support/temp-files.js';

describe('recordings with users', () => {
  test("a viewer gets its own camera's recordings and replay, 403 for another's; no credentials, 401", {
    timeout: 30_000,
  }, async () => {
    const dir = tempDir('cam-auth-recordings-');
    const record = { dir, segmentSeconds: 1 };
    // the viewer may see `front` only (support/auth-server.ts)
    const { url } = await startWithUsers({
      cameras: [
        { id: 'front', options: { fps: 10 }, record },
        { id: 'back', options: { fps: 10 }, record },
      ],
    });
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, { headers: { Accept: 'application/json', ...headers } });
    const from = new Date(Date.now() - 60_000).toISOString();

    // Something recorded (and flushed) for both, as the admin sees it.
    await vi.waitFor(async () => {
      for (const camera of ['front', 'back']) {
        const response = await get(
          `/cameras/${camera}/recordings/export?from=${encodeURIComponent(from)}`,
          basic(ADMIN),
        );
        await response.arrayBuffer();
        expect(response.status).toBe(200);
      }
    }, 15_000);

    const routes = (camera: string) => [
      `/api/cameras/${camera}/recordings`,
      `/cameras/${camera}/recordings/export?from=${encodeURIComponent(from)}`,
      `/cameras/${camera}/snapshot.jpg?at=-1s`,
    ];
    for (const path of routes('back')) {
      expect((await get(path)).status, `${path} without credentials`).toBe(401);
      expect((await get(path, basic(VIEWER))).status, `${path} as the viewer of front`).toBe(403);
      const admin = await get(path, basic(ADMIN));
      expect(admin.status, `${path} as the admin`).toBe(200);
      await admin.arrayBuffer();
    }
    for (const path of routes('front')) {
      const viewer = await get(path, basic(VIEWER));
      expect(viewer.status, `${path} as its viewer`).toBe(200);
      await viewer.arrayBuffer();
    }
  });
});
