// Servers started from a config file, such as the two-camera setup of the multi-camera tests.
import { type RunningServer, startServer } from './server-process.js';
import { writeFrames, writeTempFile } from './temp-files.js';

/** Writes `config` as a JSON config file and starts the server with `--config <that file>`. */
export async function startWithConfig(
  config: Record<string, unknown>,
  env: Record<string, string | undefined> = {},
): Promise<RunningServer & { configPath: string }> {
  const configPath = writeTempFile('cam.json', JSON.stringify(config, null, 2));
  return { ...(await startServer(env, ['--config', configPath])), configPath };
}

/** Labels of the frames of the `back` camera in the multi-camera tests. */
export const BACK_LABELS = ['back 1', 'back 2', 'back 3'] as const;

/**
 * Two emulated cameras: `front` loops the default frames ("1", "2", "3", 640 x 480) at `frontFps`, and
 * `back` loops its own labelled 320 x 240 frames at `backFps`. `front` is the default camera.
 */
export async function startTwoCameras(
  options: {
    frontFps?: number;
    backFps?: number;
    idleTimeout?: number;
    front?: Record<string, unknown>;
    back?: Record<string, unknown>;
    top?: Record<string, unknown>;
    env?: Record<string, string | undefined>;
  } = {},
): Promise<RunningServer & { configPath: string; backFrames: string[] }> {
  const { files } = writeFrames(BACK_LABELS);
  const server = await startWithConfig(
    {
      idleTimeout: options.idleTimeout ?? 10,
      ...options.top,
      cameras: [
        { id: 'front', options: { fps: options.frontFps ?? 10 }, ...options.front },
        {
          id: 'back',
          driver: 'emulated',
          options: { fps: options.backFps ?? 5, frames: files },
          ...options.back,
        },
      ],
    },
    options.env,
  );
  return { ...server, backFrames: files };
}
