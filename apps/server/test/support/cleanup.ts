// Cleanup: everything a test starts (child processes, sockets, servers, temp files) is ended when that
// test finishes, pass or fail, through vitest's onTestFinished (last registered, first ended).
import { onTestFinished } from 'vitest';

/** Ends what `fn` ends when the current test finishes. Call it from inside a test. */
export function onCleanup(fn: () => unknown): void {
  onTestFinished(async () => {
    try {
      await fn();
    } catch {
      // Already gone (a process that exited, a socket the server closed): nothing left to end.
    }
  });
}

/**
 * Nothing left to do: tests clean up through onTestFinished. Kept only for test files that still call
 * it in `afterEach` (the browser tests); remove it once they no longer do.
 */
export async function cleanup(): Promise<void> {}
