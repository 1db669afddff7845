// Viewer joins and leaves are debug lines, coalesced at info (camera-logging.ts): a test that needs a
// viewer count reads it from the state API instead of waiting for a log line that may be coalesced away.
import { vi } from 'vitest';

/** Waits up to `timeout` ms until camera `id` (default: the first) has `count` viewers (`GET /api/cameras`). */
export async function waitForViewerCount(
  port: number,
  count: number,
  id?: string,
  timeout = 5000,
): Promise<void> {
  await vi.waitFor(
    async () => {
      const body = (await (await fetch(`http://127.0.0.1:${port}/api/cameras`)).json()) as {
        cameras: { id: string; viewers: unknown[] }[];
      };
      const camera = id === undefined ? body.cameras[0] : body.cameras.find((c) => c.id === id);
      if (camera?.viewers.length !== count) {
        throw new Error(`camera ${camera?.id} has ${camera?.viewers.length} viewers, not ${count}`);
      }
    },
    { timeout, interval: 50 },
  );
}
