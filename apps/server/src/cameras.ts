import { type BaseCamera, type CameraDriver, CameraError } from '@cam/core';
import { type CameraConfig, ConfigError } from './config.js';
import { DriverLoadError, loadDriver } from './drivers.js';

/** A running camera and what the server needs to know about it. */
export interface CameraEntry {
  readonly id: string;
  readonly driver: string;
  readonly camera: BaseCamera;
  readonly maxViewers: number | undefined;
}

/**
 * Loads every camera's driver, validates its options and checks its dependencies, then creates the
 * cameras (which open their devices only on demand). All or nothing: the first problem throws a
 * ConfigError or DriverLoadError, and nothing is left running.
 */
export async function createCameras(configs: readonly CameraConfig[]): Promise<CameraEntry[]> {
  const prepared: { config: CameraConfig; driver: CameraDriver; options: unknown }[] = [];
  for (const config of configs) {
    const driver = await loadDriverFor(config);
    const options = parseDriverOptions(driver, config);
    await checkDriverAvailable(driver, options, config);
    prepared.push({ config, driver, options });
  }
  return prepared.map(({ config, driver, options }) => ({
    id: config.id,
    driver: driver.name,
    camera: driver.createCamera(options, {
      name: config.id,
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
    const named = config.id === config.driver.slice(config.driver.lastIndexOf('/') + 1);
    if (!(error instanceof DriverLoadError) || named) throw error;
    throw new DriverLoadError(`camera "${config.id}": ${error.message}`, { cause: error });
  }
}

function parseDriverOptions(driver: CameraDriver, config: CameraConfig): unknown {
  try {
    return driver.parseOptions(config.options);
  } catch (error) {
    if (error instanceof CameraError && error.code === 'INVALID_OPTION') {
      const where = error.option
        ? config.describeOption(error.option)
        : `the options of camera "${config.id}"`;
      throw new ConfigError(`invalid ${where} for the ${driver.name} driver: ${error.detail}`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function checkDriverAvailable(
  driver: CameraDriver,
  options: unknown,
  config: CameraConfig,
): Promise<void> {
  try {
    await driver.checkAvailable?.(options);
  } catch (error) {
    if (error instanceof CameraError) {
      const camera = config.id === driver.name ? '' : ` (camera "${config.id}")`;
      throw new ConfigError(`the ${driver.name} driver cannot run here${camera}: ${error.detail}`, {
        cause: error,
      });
    }
    throw error;
  }
}
