import { expect, test } from 'vitest';
import { FrameSlabs } from '../src/frame-slabs.js';

function frame(byte: number, size: number): Buffer {
  return Buffer.alloc(size, byte);
}

test('a copy has the bytes of the frame, and keeps them when the frame changes', () => {
  const slabs = new FrameSlabs();
  const original = frame(1, 1000);
  const copy = slabs.add(original);
  original.fill(9);
  expect(copy.equals(frame(1, 1000))).toBe(true);
});

test('copies not yet released are never overwritten, however many are added and released around them', () => {
  const slabs = new FrameSlabs();
  const held: Array<{ copy: Buffer; byte: number }> = [];
  // 300 kB frames: three fit a slab. Hold up to 10 at a time, releasing the oldest, as the recorder does
  // with clusters on their way to the disk.
  for (let index = 0; index < 200; index += 1) {
    const byte = index % 251;
    held.push({ copy: slabs.add(frame(byte, 300_000)), byte });
    if (held.length > 10) {
      slabs.release();
      held.shift();
    }
    for (const { copy, byte: expected } of held) {
      if (copy[0] !== expected || copy.at(-1) !== expected) expect.fail(`a held copy of ${expected} changed`);
    }
  }
  // Ten frames of 300 kB need four slabs of 1 MiB; with the spares, memory stays at a few slabs.
  expect(slabs.allocatedBytes).toBeLessThanOrEqual(7 * 1024 * 1024);
});

test('slabs are reused: memory stays the same over thousands of frames', () => {
  const slabs = new FrameSlabs();
  for (let index = 0; index < 100; index += 1) {
    slabs.add(frame(index, 33_000));
    if (index >= 30) slabs.release();
  }
  const settled = slabs.allocatedBytes;
  for (let index = 0; index < 5000; index += 1) {
    slabs.add(frame(index, 33_000));
    slabs.release();
  }
  expect(slabs.allocatedBytes).toBe(settled);
});

test('a frame bigger than a slab gets a slab of its own size and more', () => {
  const slabs = new FrameSlabs();
  const big = frame(7, 3 * 1024 * 1024);
  const copy = slabs.add(big);
  expect(copy.equals(big)).toBe(true);
  const small = slabs.add(frame(8, 100));
  expect(copy.equals(big)).toBe(true);
  expect(small.equals(frame(8, 100))).toBe(true);
});

test('releasing more copies than were added is an error, not a silent corruption', () => {
  const slabs = new FrameSlabs();
  slabs.add(frame(1, 10));
  slabs.add(frame(2, 10));
  slabs.release(2);
  expect(() => slabs.release()).toThrow(RangeError);
});

test('clear() lets go of every slab', () => {
  const slabs = new FrameSlabs();
  for (let index = 0; index < 50; index += 1) slabs.add(frame(index, 100_000));
  expect(slabs.allocatedBytes).toBeGreaterThan(0);
  slabs.clear();
  expect(slabs.allocatedBytes).toBe(0);
  expect(slabs.add(frame(3, 10)).equals(frame(3, 10))).toBe(true);
});
