import type { ServerResponse } from 'node:http';
import type { CameraEntry } from './cameras.js';

/** State is also sent this often without an event, so that fps and viewer rates stay current. */
const TICK_MS = 1000;
/** Events of one camera closer together than this are sent as one state. */
const COALESCE_MS = 50;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;
/** Events a client has not read, at most. */
const MAX_UNREAD_BYTES = 1024 * 1024;

/** What one client may see: the cameras it is shown, and their state as it may see it. */
export interface EventView {
  shows(entry: CameraEntry): boolean;
  /** Clients with the same function share the rendering of each event. */
  state(entry: CameraEntry): unknown;
}

/**
 * `GET /api/events`: server-sent events, one `state` event (JSON of `GET /api/cameras/:id`) per camera
 * when a client connects, then one whenever the camera starts, stops, fails or its viewers change, and
 * every second for each camera that runs (fps and rates move). What the web app's tiles show.
 */
export class CameraEventStream {
  readonly #entries: readonly CameraEntry[];
  readonly #stateOf: (entry: CameraEntry) => unknown;
  readonly #clients = new Map<ServerResponse, EventView>();
  readonly #pending = new Map<string, NodeJS.Timeout>();
  readonly #tick: NodeJS.Timeout;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(entries: readonly CameraEntry[], stateOf: (entry: CameraEntry) => unknown) {
    this.#entries = entries;
    this.#stateOf = stateOf;
    for (const entry of entries) {
      // A run's first frame turns the camera from starting to running: that is news too.
      let awaitingFrame = false;
      const changed = () => {
        awaitingFrame = entry.camera.state.status === 'starting';
        this.#changed(entry);
      };
      const onFrame = () => {
        if (awaitingFrame) changed();
      };
      const events = ['start', 'stop', 'failure', 'viewers', 'abandoned'] as const;
      for (const event of events) entry.camera.on(event, changed);
      entry.camera.on('frame', onFrame);
      this.#unsubscribe.push(() => {
        for (const event of events) entry.camera.off(event, changed);
        entry.camera.off('frame', onFrame);
      });
    }
    let ticks = 0;
    this.#tick = setInterval(() => {
      if (this.#clients.size === 0) return;
      ticks++;
      for (const entry of entries) if (entry.camera.state.status === 'running') this.#send(entry);
      if ((ticks * TICK_MS) % KEEPALIVE_MS === 0) this.#write(': keep-alive\n\n');
    }, TICK_MS);
    this.#tick.unref();
  }

  /** Serves one client until it leaves: every camera, or those `view` shows. */
  serve(res: ServerResponse, view?: EventView): void {
    const shown: EventView = view ?? { shows: () => true, state: this.#stateOf };
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no', // nginx: pass events on at once
    });
    res.socket?.setTimeout(0); // quiet between events: exempt from the idle-connection timeout
    res.write('retry: 2000\n\n');
    for (const entry of this.#entries) if (shown.shows(entry)) res.write(stateEvent(shown.state(entry)));
    this.#clients.set(res, shown);
    res.on('close', () => this.#clients.delete(res));
  }

  /** Ends every client's stream and stops listening to the cameras. */
  close(): void {
    clearInterval(this.#tick);
    for (const timer of this.#pending.values()) clearTimeout(timer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const client of this.#clients.keys()) client.end();
    this.#clients.clear();
  }

  #changed(entry: CameraEntry): void {
    if (this.#clients.size === 0 || this.#pending.has(entry.id)) return;
    const timer = setTimeout(() => {
      this.#pending.delete(entry.id);
      this.#send(entry);
    }, COALESCE_MS);
    timer.unref();
    this.#pending.set(entry.id, timer);
  }

  #send(entry: CameraEntry): void {
    const rendered = new Map<EventView['state'], string>();
    this.#write((view) => {
      if (!view.shows(entry)) return undefined;
      const text = rendered.get(view.state) ?? stateEvent(view.state(entry));
      rendered.set(view.state, text);
      return text;
    });
  }

  /** Writes to each client the text `textFor` gives it (none when undefined). */
  #write(textFor: string | ((view: EventView) => string | undefined)): void {
    for (const [client, view] of this.#clients) {
      const text = typeof textFor === 'string' ? textFor : textFor(view);
      if (text === undefined) continue;
      // A client that reads nothing does not make the server hold its events: it reconnects on its own.
      if (client.writableLength > MAX_UNREAD_BYTES) client.destroy();
      else client.write(text);
    }
  }
}

function stateEvent(state: unknown): string {
  return `event: state\ndata: ${JSON.stringify(state)}\n\n`;
}
