// Failed logins per client address: after `attempts` failures within `window` seconds, that address
// gets 429 until the window that started with its first failure ends. Memory stays bounded however many
// addresses an attacker uses.

const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  /** When the current window ends, ms since the epoch. */
  resetAt: number;
}

export class LoginLimiter {
  readonly #failures = new Map<string, Failures>();
  readonly #attempts: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: { attempts: number; window: number; now?: () => number }) {
    this.#attempts = options.attempts;
    this.#windowMs = options.window * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds this address must wait before it may try again, or 0 when it may try now. */
  retryAfter(address: string): number {
    const entry = this.#current(address);
    if (!entry || entry.count < this.#attempts) return 0;
    return Math.max(1, Math.ceil((entry.resetAt - this.#now()) / 1000));
  }

  fail(address: string): void {
    const entry = this.#current(address);
    if (entry) {
      entry.count++;
      return;
    }
    if (this.#failures.size >= MAX_ADDRESSES) this.#prune();
    this.#failures.set(address, { count: 1, resetAt: this.#now() + this.#windowMs });
  }

  succeed(address: string): void {
    this.#failures.delete(address);
  }

  #current(address: string): Failures | undefined {
    const entry = this.#failures.get(address);
    if (entry && entry.resetAt <= this.#now()) {
      this.#failures.delete(address);
      return undefined;
    }
    return entry;
  }

  #prune(): void {
    const now = this.#now();
    for (const [address, entry] of this.#failures) if (entry.resetAt <= now) this.#failures.delete(address);
    // Still full: forget the oldest entries (Map keeps insertion order) rather than grow.
    for (const address of this.#failures.keys()) {
      if (this.#failures.size < MAX_ADDRESSES) break;
      this.#failures.delete(address);
    }
  }
}
