// Timing: a pause, for tests that must let time pass (a camera left alone, a client that is slow).
// To wait for something to happen, use vitest's vi.waitFor over the state that shows it.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
