import { jpegDimensions, type Viewer } from '@cam/core';
import { redactPaths } from '@cam/http-mjpeg';
import type { RecorderStatus } from '@cam/recorder';
import type { CameraEntry } from './cameras.js';

/**
 * What `GET /api/cameras/:id` answers: the camera's state and its viewers, for people and dashboards.
 * `stalled` maps the viewers whose stream has not drained to since when: they are listed (marked
 * `stalled`) until they are closed, even after the camera stopped counting them.
 */
export function cameraState(
  entry: CameraEntry,
  now = Date.now(),
  stalled: ReadonlyMap<Viewer, number> = new Map(),
) {
  const { camera } = entry;
  const state = camera.state;
  const frame = camera.latestFrame;
  return {
    id: entry.id,
    driver: entry.driver,
    status: state.status,
    lastError: state.lastError
      ? {
          code: state.lastError.code,
          message: redactPaths(state.lastError.message),
          at: iso(state.lastError.at),
        }
      : null,
    retryAt: state.retryAt === undefined ? null : iso(state.retryAt),
    fps: round(state.fps),
    frameBytes: frame?.data.length ?? null,
    resolution: frame ? (jpegDimensions(frame.data) ?? null) : null,
    framesCaptured: state.framesCaptured,
    framesSkipped: state.framesSkipped,
    timeouts: state.timeouts,
    abandonedRuns: state.abandonedRuns,
    uptimeSeconds: state.startedAt === undefined ? 0 : round((now - state.startedAt) / 1000),
    lastFrameAt: state.lastFrameAt === undefined ? null : iso(state.lastFrameAt),
    // The recorder's status, and the frames kept in memory for `?at=`; null when the camera has none.
    recording: entry.recorder ? recordingState(entry.recorder.status) : null,
    replay: entry.replay ? { frames: entry.replay.size, bytes: entry.replay.bytes } : null,
    viewers: [...new Set([...watchers(entry), ...stalled.keys()])].map((viewer) => {
      const stalledSince = stalled.get(viewer);
      const seconds = Math.max(0.001, (now - viewer.connectedAt) / 1000);
      return {
        address: viewer.label ?? null,
        connectedAt: iso(viewer.connectedAt),
        framesSent: viewer.framesSent,
        framesSkipped: viewer.framesSkipped,
        bytesSent: viewer.bytesSent,
        fps: round(viewer.framesSent / seconds),
        stalled: stalledSince !== undefined,
        stalledSince: stalledSince === undefined ? null : iso(stalledSince),
      };
    }),
  };
}

/** The recorder's status; its error's paths shortened as a camera error's are (they are the server's business). */
function recordingState(status: RecorderStatus): RecorderStatus {
  return status.reason === undefined ? status : { ...status, reason: redactPaths(status.reason) };
}

/** The camera's viewers: people watching (a recorder keeps the camera running with a hold, not a viewer). */
export function watchers(entry: CameraEntry): Viewer[] {
  return [...entry.camera.viewers()];
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
