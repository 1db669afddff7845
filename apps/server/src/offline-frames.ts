import type { CameraError } from '@cam/core';
import { redactPaths } from '@cam/http-mjpeg';
import type { CameraEntry } from './cameras.js';
import { renderOfflineFrame } from './offline-frame.js';

/**
 * The offline frame of one camera, for `createStreamHandler`'s `offlineFrame`: drawn once per failure
 * (same reason, same time) and shared by every viewer, as a frame is. "Since" is when the camera's
 * current run of failures began, so a camera that keeps failing shows how long it has been down.
 */
export function offlineFrames(entry: CameraEntry): (error: CameraError) => Buffer {
  let cached: { key: string; frame: Buffer } | undefined;
  let downSince: number | undefined;
  return (error) => {
    const state = entry.camera.state;
    // The first failure in a row (a frame resets the count) starts a new outage.
    if (downSince === undefined || state.failures <= 1) downSince = state.lastError?.at ?? Date.now();
    const key = `${downSince}\n${error.message}`;
    if (cached?.key !== key) {
      cached = {
        key,
        frame: renderOfflineFrame({
          camera: entry.id,
          reason: redactPaths(error.message), // streams go to anyone: no paths of the machine
          since: new Date(downSince),
        }),
      };
    }
    return cached.frame;
  };
}
