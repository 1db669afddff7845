import { jpegDimensions } from '@cam/core';
import type { CameraEntry } from './cameras.js';

/** What `GET /api/cameras/:id` answers: the camera's state and its viewers, for people and dashboards. */
export function cameraState(entry: CameraEntry, now = Date.now()) {
  const { camera } = entry;
  const state = camera.state;
  const frame = camera.latestFrame;
  return {
    id: entry.id,
    driver: entry.driver,
    status: state.status,
    lastError: state.lastError
      ? { code: state.lastError.code, message: state.lastError.message, at: iso(state.lastError.at) }
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
    viewers: [...camera.viewers()].map((viewer) => {
      const seconds = Math.max(0.001, (now - viewer.connectedAt) / 1000);
      return {
        address: viewer.label ?? null,
        connectedAt: iso(viewer.connectedAt),
        framesSent: viewer.framesSent,
        framesSkipped: viewer.framesSkipped,
        bytesSent: viewer.bytesSent,
        fps: round(viewer.framesSent / seconds),
      };
    }),
  };
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
