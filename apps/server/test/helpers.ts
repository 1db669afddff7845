// Shared by the server's end-to-end tests, one concern per file in ./support: start the real server
// (dist/main.js) as a child process and read its JSON log lines, read its Motion-JPEG streams over real
// sockets, run external tools, and clean up. This index re-exports them all, so tests import from here.

export * from './support/chromium.js';
export * from './support/cleanup.js';
export * from './support/config-servers.js';
export * from './support/default-frames.js';
export * from './support/http-json.js';
export * from './support/metrics.js';
export * from './support/mjpeg-stream.js';
export * from './support/raw-connection.js';
export * from './support/server-process.js';
export * from './support/temp-files.js';
export * from './support/timing.js';
export * from './support/tools.js';
