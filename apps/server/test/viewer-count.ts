// Viewer joins and leaves are debug lines, coalesced at info (camera-logging.ts): a test that needs a
// viewer count reads it from the state API instead of waiting for a log line that may be coalesced away.
import { vi } from 'vitest';

/** Waits until camera `id` (default: the first camera) has `count` viewers, by `GET /api/cameras`. */
export async function waitForViewerCount(port: number, count: number, id?: string): Promise<void> {
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
    { timeout: 5000, interval: 50 },
  );
}
