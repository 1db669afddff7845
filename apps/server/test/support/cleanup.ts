// Cleanup: everything a test starts is registered here and ended by `cleanup()` in afterEach.

const cleanups = new Set<() => unknown>();

/** Registers `fn` to run at the next `cleanup()`; returns a function that unregisters it. */
export function onCleanup(fn: () => unknown): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Kills every child process, closes every socket and browser a test left open. Call in afterEach. */
export async function cleanup(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map(async (fn) => fn()));
}
