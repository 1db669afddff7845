import type { Recorder } from '@cam/recorder';
import type { Counter, Gauge, Registry } from 'prom-client';
import type { CameraEntry } from './cameras.js';
import type { PromClient } from './metrics.js';
import { segmentsDeleted } from './recording.js';

/**
 * Recording and replay metrics, per camera (label `camera`), for the cameras that have a recorder or a
 * replay buffer; read from their status when scraped.
 */
export function createRecordingMetrics(
  { Counter, Gauge }: PromClient,
  registry: Registry,
  entries: readonly CameraEntry[],
): void {
  const recording = entries.filter((entry) => entry.recorder);
  const replaying = entries.filter((entry) => entry.replay);
  const labelNames = ['camera'] as const;
  const perRecorder = (read: (recorder: Recorder) => number) =>
    function (this: Gauge | Counter) {
      this.reset();
      for (const entry of recording) {
        const value = read(entry.recorder!);
        if (this instanceof Gauge) this.set({ camera: entry.id }, value);
        else this.inc({ camera: entry.id }, value);
      }
    };
  if (recording.length) {
    new Gauge({
      name: 'cam_recording_error',
      help: '1 while the recorder is in error (a write failed, the disk is full), 0 while it records',
      labelNames,
      registers: [registry],
      collect: perRecorder((recorder) => (recorder.status.status === 'error' ? 1 : 0)),
    });
    new Counter({
      name: 'cam_recording_frames_written_total',
      help: 'Frames written to recording segments',
      labelNames,
      registers: [registry],
      collect: perRecorder((recorder) => recorder.status.framesWritten),
    });
    new Counter({
      name: 'cam_recording_frames_dropped_total',
      help: 'Frames not recorded: the disk was too slow (the queue was full) or the recorder was in error',
      labelNames,
      registers: [registry],
      collect: perRecorder((recorder) => recorder.status.framesDropped),
    });
    new Counter({
      name: 'cam_recording_bytes_total',
      help: 'Bytes written to recording segments',
      labelNames,
      registers: [registry],
      collect: perRecorder((recorder) => recorder.status.bytes),
    });
    new Counter({
      name: 'cam_recording_segments_deleted_total',
      help: 'Segments deleted by retention (maxAge, maxBytes, minFreeBytes, recordings.maxBytes)',
      labelNames,
      registers: [registry],
      collect: perRecorder(segmentsDeleted),
    });
  }
  if (replaying.length) {
    new Gauge({
      name: 'cam_replay_bytes',
      help: "Bytes of frames kept in memory for replay (replaySeconds, or a recorder's frames not yet on disk)",
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const entry of replaying) this.set({ camera: entry.id }, entry.replay!.bytes);
      },
    });
  }
}
