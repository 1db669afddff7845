/** What `/api/events` sends for a camera (the JSON of `GET /api/cameras/:id`), as far as the app uses it. */
export interface CameraState {
  id: string;
  driver: string;
  status: 'idle' | 'starting' | 'running' | 'stopping' | 'error' | 'closed';
  lastError: { code: string; message: string; at: string } | null;
  retryAt: string | null;
  fps: number;
  resolution: { width: number; height: number } | null;
  framesCaptured: number;
  framesSkipped: number;
  lastFrameAt: string | null;
  viewers: {
    address: string | null;
    fps: number;
    framesSent: number;
    framesSkipped: number;
    stalled: boolean;
  }[];
}

/** The page's settings, from its `<script id="cam-config">`. */
export interface PageConfig {
  cameras: string[];
  camera?: string;
  /** The way from the page to the site root. */
  root: string;
}

export function pageConfig(): PageConfig {
  return JSON.parse(document.getElementById('cam-config')!.textContent!) as PageConfig;
}

/** How a camera's state reads to a person: running / idle / starting / offline, why, and since when. */
export function describeStatus(state: CameraState): { label: string; kind: string; reason: string } {
  if (state.status === 'error' || state.status === 'closed') {
    const since = state.lastError ? ` since ${clock(state.lastError.at)}` : '';
    const reason = state.lastError ? state.lastError.message : 'closed';
    return { label: `offline${since}`, kind: 'offline', reason };
  }
  // Retrying after a failure, with no frame since: still offline, and still for that reason.
  const failedLast = state.lastError && (!state.lastFrameAt || state.lastError.at >= state.lastFrameAt);
  if (state.status === 'starting' && state.lastError && failedLast) {
    return {
      label: `offline since ${clock(state.lastError.at)}, retrying`,
      kind: 'offline',
      reason: state.lastError.message,
    };
  }
  if (state.status === 'stopping') return { label: 'idle', kind: 'idle', reason: '' };
  return { label: state.status, kind: state.status, reason: '' };
}

/** The server's events, re-connecting by themselves (EventSource does) after a drop. */
export function watchStates(root: string, onState: (state: CameraState) => void): EventSource {
  const events = new EventSource(`${root}api/events`);
  events.addEventListener('state', (event) => onState(JSON.parse((event as MessageEvent<string>).data)));
  return events;
}

function clock(iso: string): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === new Date().toDateString();
  return sameDay ? at.toLocaleTimeString() : at.toLocaleString();
}
