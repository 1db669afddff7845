// Open responses (streams, mostly) and the grant that let each one in: when the grant ends — logout,
// session or link expiry, key rotation — the response is closed, so a revoked viewer stops watching at
// once instead of at the next reconnect. Each entry leaves when its response closes.
import type { ServerResponse } from 'node:http';

export interface Grant {
  /** The session id, for grants by cookie. */
  sessionId?: string;
  /** Whether the grant is signed with the key (a session or a link): rotating the key ends it. */
  signed: boolean;
  /** When it ends, seconds since the epoch; undefined: never by itself. */
  expires?: number;
}

// setTimeout cannot wait longer than this (about 24.8 days); longer waits are re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  res: ServerResponse;
  grant: Grant;
  timer?: NodeJS.Timeout;
}

export class GrantTracker {
  readonly #entries = new Set<Entry>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  track(res: ServerResponse, grant: Grant): void {
    if (res.destroyed || res.writableEnded) return;
    if (!grant.signed && grant.expires === undefined) return;
    const entry: Entry = { res, grant };
    this.#entries.add(entry);
    this.#arm(entry);
    res.once('close', () => this.#forget(entry));
  }

  /** Ends every response that a session id let in. */
  endSession(sessionId: string): void {
    for (const entry of this.#entries) if (entry.grant.sessionId === sessionId) this.#end(entry);
  }

  /** Ends every response let in by a signed grant (the key changed). */
  endSigned(): void {
    for (const entry of this.#entries) if (entry.grant.signed) this.#end(entry);
  }

  /** Ends everything (shutdown) and clears the timers. */
  close(): void {
    for (const entry of this.#entries) this.#end(entry);
  }

  #arm(entry: Entry): void {
    if (entry.grant.expires === undefined) return;
    const wait = entry.grant.expires * 1000 - this.#now();
    if (wait <= 0) {
      this.#end(entry);
      return;
    }
    entry.timer = setTimeout(() => this.#arm(entry), Math.min(wait, MAX_TIMER_MS));
    entry.timer.unref();
  }

  #end(entry: Entry): void {
    this.#forget(entry);
    // The stream has no way to say "you were logged out" mid-body; closing the socket is the message.
    entry.res.destroy();
  }

  #forget(entry: Entry): void {
    clearTimeout(entry.timer);
    this.#entries.delete(entry);
  }
}
