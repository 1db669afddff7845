export { NO_CACHE_HEADERS } from './headers.js';
export { BOUNDARY, STREAM_CONTENT_TYPE } from './multipart.js';
export { sendBadParameter } from './query.js';
export { redactPaths } from './redact.js';
export type { SnapshotHandlerOptions } from './snapshot.js';
export { createSnapshotHandler } from './snapshot.js';
export type { RequestHandler, StreamHandlerOptions } from './stream.js';
export { createStreamHandler } from './stream.js';
