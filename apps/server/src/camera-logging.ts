import type { BaseCamera } from '@cam/core';
import type { Logger } from 'pino';

export interface CameraLoggingOptions {
  /** The viewer count is logged at info once it has held this long (ms). Default 1000. */
  viewersQuietTime?: number;
  /** ...or at the latest this long (ms) after a change, while viewers keep coming and going. Default 10 000. */
  viewersMaxWait?: number;
}

/**
 * Logs what an operator wants to know about a camera: start, stop, one warning per failure, and the
 * viewer count. Every join and leave is a `debug` line; at `info`, changes are coalesced into one
 * "viewers changed" line once the count settles, so a snapshot (a viewer for a moment) or a burst of
 * reconnects writes nothing, or one line, instead of two lines per viewer.
 */
export function logCameraEvents(
  camera: BaseCamera,
  logger: Logger,
  options: CameraLoggingOptions = {},
): void {
  const { viewersQuietTime = 1000, viewersMaxWait = 10_000 } = options;
  const log = logger.child({ camera: camera.name });
  camera.on('start', () => log.info('camera started'));
  camera.on('stop', (reason) =>
    log.info({ reason, framesCaptured: camera.state.framesCaptured }, 'camera stopped'),
  );
  camera.on('failure', (error) => log.warn({ err: error, failures: camera.state.failures }, 'camera failed'));

  let current = 0;
  let logged = 0;
  let quiet: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const summarize = () => {
    clearTimeout(quiet);
    clearTimeout(deadline);
    quiet = deadline = undefined;
    if (current !== logged) log.info({ viewers: current }, 'viewers changed');
    logged = current;
  };
  camera.on('viewers', (viewers) => {
    log.debug({ viewers }, viewers > current ? 'viewer joined' : 'viewer left');
    current = viewers;
    clearTimeout(quiet);
    quiet = setTimeout(summarize, viewersQuietTime).unref();
    deadline ??= setTimeout(summarize, viewersMaxWait).unref();
  });
}
