export { createApp } from './app.js';
export type { ServerConfig } from './config.js';
export { ConfigError, configFromEnv, driverOptionVariable } from './config.js';
export { DriverLoadError, installedDrivers, loadDriver } from './drivers.js';
export { createLogger } from './logger.js';
export type { RunningServer } from './server.js';
export { startServer } from './server.js';
