// How a camera's state reads to a person; no DOM here, so that the server's tests can use it too.

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

function clock(iso: string): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === new Date().toDateString();
  return sameDay ? at.toLocaleTimeString() : at.toLocaleString();
}
