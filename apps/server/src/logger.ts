import pino, { type Logger } from 'pino';

/** JSON lines on stdout, one per event, ready for journald, docker logs or any log shipper. */
export function createLogger(level: string): Logger {
  // Synchronous writes: pino's default stdout stream writes asynchronously, so a line logged just before
  // process.exit() (the shutdown's "stopped") could be lost. The server logs per event, not per frame.
  return pino({ level, base: { name: 'cam' } }, pino.destination({ dest: 1, sync: true }));
}
