// The synthetic camera as a cam driver file exports it, so that the shipped server loads it through its
// own driver loader (`driver: <this file's path>` in its config file). The cameras it creates are kept,
// so that the benchmark's code in the same process (shipped-server.ts) can read their state.
import type { CameraDriver, RawOptions } from '@cam/core';
import { SyntheticCamera } from './synthetic-camera.js';

interface BenchDriverOptions {
  fps: number;
  frameSize: number;
}

/** Every camera this driver created in this process. */
export const benchCameras: SyntheticCamera[] = [];

function positive(raw: RawOptions, option: string): number {
  const value = Number(raw[option]);
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`bench driver: ${option} must be > 0`);
  return value;
}

export const driver: CameraDriver<BenchDriverOptions> = {
  name: 'bench',
  description: "the benchmark's numbered, time-stamped JPEGs of a fixed size at a fixed rate",
  parseOptions: (raw) => ({ fps: positive(raw, 'fps'), frameSize: positive(raw, 'frameSize') }),
  createCamera(options, camera) {
    const created = new SyntheticCamera({ ...camera, ...options });
    benchCameras.push(created);
    return created;
  },
};
