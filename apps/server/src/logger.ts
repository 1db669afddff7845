import pino, { type Logger } from 'pino';

/** JSON lines on stdout, one per event, ready for journald, docker logs or any log shipper. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'cam' } });
}
