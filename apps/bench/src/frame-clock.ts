/**
 * When frames are due at a steady rate, as a camera delivers them: on a fixed grid from the start, so
 * that timer lateness does not accumulate into a lower rate. A slot missed entirely (the process was
 * busy for longer than a frame interval) is dropped, as a real camera drops frames nobody collected.
 */
export class FrameClock {
  readonly interval: number;
  readonly #start: number;
  #slot = 0;

  constructor(fps: number, now = performance.now()) {
    if (!(fps > 0)) throw new RangeError(`fps must be positive, got ${fps}`);
    this.interval = 1000 / fps;
    this.#start = now;
  }

  /** Milliseconds to wait before the next frame is due (0: now), and takes that slot. */
  next(now = performance.now()): number {
    const due = this.#start + this.#slot * this.interval;
    if (now - due >= this.interval) {
      // Late by a whole interval or more: skip to the current slot rather than bursting to catch up.
      this.#slot = Math.floor((now - this.#start) / this.interval);
    }
    const wait = Math.max(0, this.#start + this.#slot * this.interval - now);
    this.#slot += 1;
    return wait;
  }
}
