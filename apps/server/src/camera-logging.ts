import type { BaseCamera } from '@cam/core';
import type { Logger } from 'pino';

/** Logs what an operator wants to know about a camera: start, stop, failures, viewer count. */
export function logCameraEvents(camera: BaseCamera, logger: Logger): void {
  const log = logger.child({ camera: camera.name });
  camera.on('start', () => log.info('camera started'));
  camera.on('stop', (reason) =>
    log.info({ reason, framesCaptured: camera.state.framesCaptured }, 'camera stopped'),
  );
  camera.on('failure', (error) =>
    log.error({ err: error, failures: camera.state.failures }, 'camera failed'),
  );
  camera.on('viewers', (viewers) => log.info({ viewers }, 'viewers changed'));
}
