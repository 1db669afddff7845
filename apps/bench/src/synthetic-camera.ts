import { BaseCamera, type CameraOptions, delay } from '@cam/core';
import { FrameClock } from './frame-clock.js';
import { makeFrame, wallClock } from './frames.js';

export interface SyntheticCameraOptions extends CameraOptions {
  fps: number;
  /** Bytes per JPEG. */
  frameSize: number;
}

/**
 * The benchmark's camera: a cam driver like any other, yielding numbered 640x480 JPEGs of a fixed size
 * at a steady rate. Numbers continue across restarts, so a stale frame is always recognisable.
 */
export class SyntheticCamera extends BaseCamera {
  readonly fps: number;
  readonly frameSize: number;
  /** Frames yielded since the process started, across runs. */
  produced = 0;

  /** Idle stops so far, and the frames captured and the time at the last one. */
  stops = 0;
  framesAtLastStop: number | undefined;
  lastStopAt: number | undefined;

  constructor(options: SyntheticCameraOptions) {
    super({ name: 'synthetic', ...options });
    this.fps = options.fps;
    this.frameSize = options.frameSize;
    this.on('stop', () => {
      this.stops += 1;
      this.framesAtLastStop = this.state.framesCaptured;
      this.lastStopAt = Date.now();
    });
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    const clock = new FrameClock(this.fps);
    for (;;) {
      const wait = clock.next();
      if (wait > 0) await delay(wait, signal);
      this.produced += 1;
      yield makeFrame({ seq: this.produced, capturedAt: wallClock() }, this.frameSize);
    }
  }
}

/** What a benchmark server reports about its camera (see ServerStats). */
export function cameraStats(camera: SyntheticCamera): Record<string, unknown> {
  const state = camera.state;
  return {
    status: state.status,
    viewers: state.viewers,
    framesCaptured: state.framesCaptured,
    stops: camera.stops,
    framesAtLastStop: camera.framesAtLastStop,
    lastStopAt: camera.lastStopAt,
  };
}
