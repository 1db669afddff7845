import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import pino, { type DestinationStream, type Logger } from 'pino';
import { ConfigError } from './config.js';

// pino-pretty is loaded only for the pretty format: a server logging JSON never needs it.
const require = createRequire(import.meta.url);

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  /** `pretty`: one readable line per event, local times; `json`: pino's JSON lines. Default `json`. */
  format?: LogFormat;
  /** The file descriptor to write to. Default 1 (stdout). */
  fd?: number;
  /**
   * The most bytes held while the reader of the output is slower than the server. Past it, lines are
   * dropped (and counted: see {@link droppedLogLines}) rather than ever blocking the server. Default 256 KiB
   * (a few thousand lines).
   */
  maxBufferBytes?: number;
}

/**
 * `LOG_FORMAT` if set (json or pretty), otherwise pretty on a terminal and JSON when the output goes
 * anywhere else (a pipe, a file, journald, docker logs).
 */
export function logFormatFromEnv(env: NodeJS.ProcessEnv, fd = 1): LogFormat {
  const value = env.LOG_FORMAT?.trim();
  if (!value) return isatty(fd) ? 'pretty' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(value)) {
    throw new ConfigError(`invalid LOG_FORMAT=${JSON.stringify(value)}: expected json or pretty`);
  }
  return value as LogFormat;
}

interface Output {
  dropped: number;
  end(callback: () => void): void;
}
const outputs = new WeakMap<Logger, Output>();

/**
 * A logger whose writes never block the server: output is asynchronous, through a bounded buffer
 * (SonicBoom's `maxLength`). Call {@link endLogs} before exiting, so that the last lines are written.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const { format = 'json', fd = 1, maxBufferBytes = 256 * 1024 } = options;
  const destination = pino.destination({ dest: fd, sync: false, maxLength: maxBufferBytes });
  const output: Output = {
    dropped: 0,
    // end(), not flush(): SonicBoom's flush() does not wait for a write in progress; end() writes all
    // that is buffered, then says so with 'finish'.
    end: (callback) => {
      destination.once('finish', callback);
      destination.end();
    },
  };
  destination.on('drop', (data: string) => {
    output.dropped += data.split('\n').length - 1 || 1;
  });
  // A broken pipe (the reader went away) must not take the server down with an unhandled 'error'.
  destination.on('error', () => {});
  const stream = format === 'pretty' ? prettyStream(destination, fd) : destination;
  const logger = pino({ level, base: { name: 'cam' } }, stream);
  outputs.set(logger, output);
  return logger;
}

/** Formats each JSON line as one readable line: local time, level, message, then the other fields. */
function prettyStream(destination: DestinationStream, fd: number): DestinationStream {
  const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
  const format = prettyFactory({
    colorize: isatty(fd),
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss',
    ignore: 'pid,hostname,name',
    singleLine: true,
  });
  return { write: (line: string) => destination.write(format(line)) };
}

/** How many lines `logger` dropped because its output was not read fast enough. */
export function droppedLogLines(logger: Logger): number {
  return outputs.get(logger)?.dropped ?? 0;
}

/**
 * Writes what is buffered and ends the output: call it last, just before exiting. Resolves when done, or
 * after `timeout` ms if the reader does not read (an exit must not wait forever on a stalled pipe).
 */
export function endLogs(logger: Logger, timeout = 1000): Promise<void> {
  const output = outputs.get(logger);
  if (!output) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeout);
    output.end(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Every `interval` ms, a warning with the number of lines dropped so far when it grew: a reader that
 * stalls costs lines, never the server, and the log says how many it missed.
 */
export function reportDroppedLogLines(logger: Logger, interval = 5000): () => void {
  let reported = 0;
  const timer = setInterval(() => {
    const dropped = droppedLogLines(logger);
    if (dropped > reported) {
      logger.warn(
        { dropped, since: reported },
        `${dropped - reported} log lines dropped: the output was not read fast enough`,
      );
      reported = dropped;
    }
  }, interval);
  timer.unref();
  return () => clearInterval(timer);
}
