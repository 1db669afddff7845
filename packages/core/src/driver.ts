import type { BaseCamera, CameraOptions } from './base-camera.js';

/** Options as they arrive from the environment (strings) or a config file (strings, numbers, lists). */
export type RawOptions = Readonly<Record<string, unknown>>;

/**
 * What a driver package exports as `driver`, so that a server can load it by name (`CAMERA=<name>`
 * loads `@cam/driver-<name>`) without knowing it. Drivers never read `process.env`: the server maps its
 * environment or config to raw options, and the driver validates them.
 *
 * @example
 * export const driver: CameraDriver<MyOptions> = {
 *   name: 'mine',
 *   parseOptions(raw) {
 *     const read = readOptions(raw, 'mine');
 *     const options = { fps: read.number('fps', { default: 10, min: 1, max: 60 }) };
 *     read.done(); // refuses options it did not read
 *     return options;
 *   },
 *   createCamera: (options, camera) => new MyCamera(options, camera),
 * };
 */
export interface CameraDriver<Options = unknown> {
  /** Short name, as in `CAMERA=<name>`. */
  readonly name: string;
  /** One line for people choosing a driver. */
  readonly description: string;
  /**
   * Validates raw options and returns typed ones with defaults applied. Throws a `CameraError` with code
   * `INVALID_OPTION` and `option` set for a bad or unknown option, saying what the option accepts.
   */
  parseOptions(raw: RawOptions): Options;
  /** Creates a camera. Must not open the device: that happens on the first demand for a frame. */
  createCamera(options: Options, camera?: CameraOptions): BaseCamera;
  /**
   * Optional: checks, without opening the device, that what the driver needs is installed (a native
   * binding, a command-line tool), so that a server can refuse to start with a clear message instead of
   * failing on the first viewer. Throws a `CameraError` with code `DEPENDENCY_MISSING` saying what is
   * missing and how to install it.
   */
  checkAvailable?(options: Options): void | Promise<void>;
}

/** True when `value` has the shape of a {@link CameraDriver}: used to check a dynamically imported module. */
export function isCameraDriver(value: unknown): value is CameraDriver {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<CameraDriver>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.parseOptions === 'function' &&
    typeof candidate.createCamera === 'function'
  );
}
