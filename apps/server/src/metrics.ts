import type { Counter, Gauge, Registry } from 'prom-client';
import { watchers } from './camera-state.js';
import type { CameraEntry } from './cameras.js';
import type { StreamTracker } from './stream-tracker.js';

/** prom-client, which the server loads with the first scrape of /metrics. */
export type PromClient = typeof import('prom-client');

/** Each camera's driver starts and failures, counted from the server's start (camera events). */
export interface CameraEventCounts {
  starts(id: string): number;
  failures(id: string): number;
}

/** Counts the cameras' starts and failures from now on: the metrics report them once scraped. */
export function countCameraEvents(entries: readonly CameraEntry[]): CameraEventCounts {
  const starts = new Map<string, number>();
  const failures = new Map<string, number>();
  for (const entry of entries) {
    entry.camera.on('start', () => starts.set(entry.id, (starts.get(entry.id) ?? 0) + 1));
    entry.camera.on('failure', () => failures.set(entry.id, (failures.get(entry.id) ?? 0) + 1));
  }
  return { starts: (id) => starts.get(id) ?? 0, failures: (id) => failures.get(id) ?? 0 };
}

/**
 * Prometheus metrics, per camera (label `camera`). Values are read from the cameras' state and from
 * `events` when scraped, so the frame path does no metrics work, and the registry (prom-client with it)
 * can be made on the first scrape.
 */
export function createMetrics(
  prom: PromClient,
  entries: readonly CameraEntry[],
  events: CameraEventCounts,
): Registry {
  const { Counter, Gauge, Registry } = prom;
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
    collect: perCamera((entry) => watchers(entry).length),
  });
  new Gauge({
    name: 'cam_camera_up',
    help: '1 while the camera is capturing, 0 otherwise',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => (entry.camera.state.status === 'running' ? 1 : 0)),
  });
  // The watchdog's figures, from @cam/core's state (0 from a driver that brings an older core copy).
  new Counter({
    name: 'cam_camera_timeouts_total',
    help: 'Times the driver gave no first frame within startTimeout, or no frame within stallTimeout while running',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => watchdogState(entry).timeouts ?? 0),
  });
  new Counter({
    name: 'cam_driver_abandoned_runs_total',
    help: 'Driver runs that did not end within stopTimeout of being aborted, and were abandoned',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => watchdogState(entry).abandonedRuns ?? 0),
  });
  new Counter({
    name: 'cam_driver_starts_total',
    help: 'Times the driver was started (first start, restarts after idle, retries after failures)',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => events.starts(entry.id)),
  });
  new Counter({
    name: 'cam_driver_errors_total',
    help: 'Times the driver failed',
    labelNames,
    registers: [registry],
    collect: perCamera((entry) => events.failures(entry.id)),
  });
  return registry;
}

function watchdogState(entry: CameraEntry): { timeouts?: number; abandonedRuns?: number } {
  return entry.camera.state as { timeouts?: number; abandonedRuns?: number };
}

/** Adds the stalled streams, which only the HTTP layer sees: open now, and closed since the start. */
export function createStalledViewerMetrics(
  { Counter, Gauge }: PromClient,
  registry: Registry,
  streams: StreamTracker,
  ids: string[],
) {
  new Gauge({
    name: 'cam_stalled_viewers',
    help: 'Streams whose socket has not drained lately (closed after stalledViewerTimeout)',
    labelNames: ['camera'],
    registers: [registry],
    collect() {
      this.reset();
      for (const id of ids) this.set({ camera: id }, streams.stalledCount(id));
    },
  });
  new Counter({
    name: 'cam_stalled_viewers_closed_total',
    help: 'Streams closed because their socket had not drained for stalledViewerTimeout',
    labelNames: ['camera'],
    registers: [registry],
    collect() {
      this.reset();
      for (const id of ids) this.inc({ camera: id }, streams.stalledClosed(id));
    },
  });
  new Gauge({
    name: 'cam_max_viewers',
    help: 'The cap on viewers (streams and snapshot waiters) in all',
    registers: [registry],
    collect() {
      this.set(streams.maxTotal);
    },
  });
}

/** Adds the bytes sent to stream viewers, which only the HTTP layer knows. */
export function createBytesSentMetric(
  { Counter }: PromClient,
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
