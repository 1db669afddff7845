import { ConfigError } from '../config.js';
import { DriverLoadError } from '../drivers.js';

/** A configuration or usage problem ends the command with one line on stderr and exit code 1. */
export function refuse(error: unknown): never {
  if (error instanceof ConfigError || error instanceof DriverLoadError) {
    console.error(`cam: ${error.message}`);
  } else {
    console.error('cam: failed to start:', error);
  }
  process.exit(1);
}
