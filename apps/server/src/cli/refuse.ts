import { isCameraError } from '@cam/core';
import { ConfigError } from '../config.js';
import { DriverLoadError } from '../drivers.js';

/** A configuration or usage problem ends the command with one line on stderr and exit code 1. */
export function refuse(error: unknown): never {
  // A driver's CameraError is recognised by its brand: the driver may bring its own copy of @cam/core.
  if (error instanceof ConfigError || error instanceof DriverLoadError || isCameraError(error)) {
    console.error(`cam: ${error.message}`);
  } else {
    console.error('cam: failed to start:', error);
  }
  process.exit(1);
}
