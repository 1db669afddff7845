import { type BaseCamera, type CameraDriver, isCameraError } from '@cam/core';
import type { RecentFrames, Recorder } from '@cam/recorder';
import { type CameraConfig, ConfigError } from './config.js';
import { DriverLoadError, loadDriver } from './drivers.js';

/** A running camera and what the server needs to know about it. */
export interface CameraEntry {
  readonly id: string;
  readonly driver: string;
  readonly camera: BaseCamera;
  readonly maxViewers: number | undefined;
  /** Records the camera to disk (config `record`); see recording.ts. */
  readonly recorder?: Recorder | undefined;
  /**
   * Its last seconds in memory: a replay buffer (config `replaySeconds`), or else, for a recording camera,
   * the recorder's frames not yet on disk.
   */
  readonly replay?: RecentFrames | undefined;
}

/**
 * Loads every camera's driver, validates its options and checks its dependencies, then creates the
 * cameras (which open their devices only on demand). All or nothing: the first problem throws a
 * ConfigError or DriverLoadError, and nothing is left running.
 */
export async function createCameras(configs: readonly CameraConfig[]): Promise<CameraEntry[]> {
  const prepared: { id: string; config: CameraConfig; driver: CameraDriver; options: unknown }[] = [];
  for (const config of configs) {
    const driver = await loadDriverFor(config);
    const id = config.id ?? cameraIdOf(driver);
    const options = parseDriverOptions(driver, config, id);
    await checkDriverAvailable(driver, options, id);
    prepared.push({ id, config, driver, options });
  }
  return prepared.map(({ id, config, driver, options }) => ({
    id,
    driver: driver.name,
    camera: driver.createCamera(options, {
      name: id,
      idleTimeout: config.idleTimeout,
      ...(config.maxFps === undefined ? {} : { maxFps: config.maxFps }),
      // Watchdogs: core's defaults unless the user set them (option names of @cam/core's CameraOptions).
      ...(config.startTimeout === undefined ? {} : { startTimeout: config.startTimeout }),
      ...(config.stallTimeout === undefined ? {} : { stallTimeout: config.stallTimeout }),
    }),
    maxViewers: config.maxViewers,
  }));
}

/** Loads the camera's driver; with several cameras, a failure names the camera whose driver it is. */
async function loadDriverFor(config: CameraConfig): Promise<CameraDriver> {
  try {
    return await loadDriver(config.driver);
  } catch (error) {
    if (!(error instanceof DriverLoadError) || config.id === undefined) throw error;
    throw new DriverLoadError(`camera "${config.id}": ${error.message}`, { cause: error });
  }
}

const CAMERA_ID = /^[a-z0-9][\w-]{0,63}$/i;

/** A camera without a configured id takes its driver's name, whatever package or file the driver came from. */
function cameraIdOf(driver: CameraDriver): string {
  if (CAMERA_ID.test(driver.name)) return driver.name;
  throw new DriverLoadError(
    `the driver's name ${JSON.stringify(driver.name)} cannot be a camera id (letters, digits, "-" and "_"); ` +
      'give the camera an id in a config file',
  );
}

// Errors are recognised by code, not class: a driver with its own copy of @cam/core throws CameraErrors
// of another class.
function parseDriverOptions(driver: CameraDriver, config: CameraConfig, id: string): unknown {
  try {
    return driver.parseOptions(config.options);
  } catch (error) {
    if (isCameraError(error) && error.code === 'INVALID_OPTION') {
      const where = error.option ? config.describeOption(error.option) : `the options of camera "${id}"`;
      throw new ConfigError(`invalid ${where} for the ${driver.name} driver: ${error.detail}`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function checkDriverAvailable(driver: CameraDriver, options: unknown, id: string): Promise<void> {
  try {
    await driver.checkAvailable?.(options);
  } catch (error) {
    if (isCameraError(error)) {
      const camera = id === driver.name ? '' : ` (camera "${id}")`;
      throw new ConfigError(`the ${driver.name} driver cannot run here${camera}: ${error.detail}`, {
        cause: error,
      });
    }
    throw error;
  }
}
