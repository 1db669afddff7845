// Timing: a pause, for tests that must let time pass (a camera left alone, a client that is slow) —
// node's own promise timer. To wait for something to happen, use vitest's vi.waitFor over the state
// that shows it.

export { setTimeout as sleep } from 'node:timers/promises';
