// Servers with users (issue 13): a config file with an admin and a viewer, credentials, and a stream read
// with whatever headers a test sends (a password, a cookie).
import { request } from 'node:http';
import { hashPassword } from '@cam/auth';
import { onCleanup } from './cleanup.js';
import { startWithConfig } from './config-servers.js';
import { MjpegStream } from './mjpeg-stream.js';

export const ADMIN = { name: 'alice', password: 'admin-pass' } as const;
export const VIEWER = { name: 'garden', password: 'viewer-pass' } as const;

/**
 * A low scrypt cost: each check still runs the real scrypt, on the thread pool, but quickly enough for
 * hundreds of tries on a loaded machine. The cost is in the hash, as a user's would be.
 */
const TEST_COST = { N: 1024 } as const;

const hashes = new Map<string, Promise<string>>();
function hashOf(password: string): Promise<string> {
  if (!hashes.has(password)) hashes.set(password, hashPassword(password, TEST_COST));
  return hashes.get(password)!;
}

/**
 * Starts the real server (`--config`) with cameras `front` and `back`, the admin ALICE and the viewer
 * GARDEN (who may see `front` only); `extra` is merged into the config (and into its `auth`).
 */
export async function startWithUsers(
  extra: { auth?: Record<string, unknown>; [key: string]: unknown } = {},
  env: Record<string, string | undefined> = {},
) {
  const { auth, ...rest } = extra;
  const config = {
    host: '127.0.0.1',
    cameras: [
      { id: 'front', options: { fps: 10 } },
      { id: 'back', options: { fps: 10 } },
    ],
    ...rest,
    auth: {
      users: [
        { name: ADMIN.name, password: await hashOf(ADMIN.password), role: 'admin' },
        { name: VIEWER.name, password: await hashOf(VIEWER.password), role: 'viewer', cameras: ['front'] },
      ],
      ...auth,
    },
  };
  return startWithConfig(config, env);
}

/** `Authorization: Basic …` for a name and password. */
export function basic(user: { name: string; password: string }): { Authorization: string } {
  return { Authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}` };
}

/** Opens a stream with `headers`; resolves with the response read as Motion-JPEG, whatever its status. */
export function openStreamWith(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  host = '127.0.0.1',
): Promise<MjpegStream> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers, agent: false }, (response) =>
      resolve(new MjpegStream(response)),
    );
    req.on('error', reject);
    req.end();
    onCleanup(() => req.destroy());
  });
}
