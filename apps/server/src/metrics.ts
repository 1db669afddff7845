import { Counter, Gauge, Registry } from 'prom-client';
import type { CameraEntry } from './cameras.js';

/**
 * Prometheus metrics, per camera (label `camera`). Values are read from the cameras' state when scraped,
 * so the frame path does no metrics work; restarts and failures are counted from camera events.
 */
export function createMetrics(entries: readonly CameraEntry[]): Registry {
  const registry = new Registry();
  const perCamera = (read: (entry: CameraEntry) => number) =>
    function (this: Gauge | Counter) {
      this.reset();
      for (const entry of entries) {
        const value = read(entry);
        if (this instanceof Gauge) this.set({ camera: entry.id }, value);
        else this.inc({ camera: entry.id }, value);
      }
    };
  const labelNames = ['camera'] as const;
  new Gauge({
    name: 'cam_capture_fps',
    help: 'Frames per second the camera captures, over the last second or so',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => entry.camera.state.fps),
  });
  new Counter({
    name: 'cam_frames_captured_total',
    help: 'Frames the camera captured',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => entry.camera.state.framesCaptured),
  });
  new Counter({
    name: 'cam_frames_skipped_total',
    help: 'Frames that viewers missed because they read slower than the camera captures',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => entry.camera.state.framesSkipped),
  });
  new Gauge({
    name: 'cam_viewers',
    help: 'Viewers attached to the camera (streams and waiting snapshots)',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => entry.camera.state.viewers),
  });
  new Gauge({
    name: 'cam_camera_up',
    help: '1 while the camera is capturing, 0 otherwise',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => (entry.camera.state.status === 'running' ? 1 : 0)),
  });
  const starts = new Counter({
    name: 'cam_driver_starts_total',
    help: 'Times the driver was started (first start, restarts after idle, retries after failures)',
    labelNames,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'cam_driver_errors_total',
    help: 'Times the driver failed',
    labelNames,
    registers: [registry],
  });
  for (const entry of entries) {
    starts.inc({ camera: entry.id }, 0);
    failures.inc({ camera: entry.id }, 0);
    entry.camera.on('start', () => starts.inc({ camera: entry.id }));
    entry.camera.on('failure', () => failures.inc({ camera: entry.id }));
  }
  return registry;
}

/** Adds the bytes sent to stream viewers, which only the HTTP layer knows. */
export function createBytesSentMetric(
  registry: Registry,
  bytesSent: (camera: string) => number,
  ids: string[],
) {
  new Counter({
    name: 'cam_bytes_sent_total',
    help: 'Bytes sent to stream viewers, HTTP framing included',
    labelNames: ['camera'],
    registers: [registry],
    collect() {
      this.reset();
      for (const id of ids) this.inc({ camera: id }, bytesSent(id));
    },
  });
}
