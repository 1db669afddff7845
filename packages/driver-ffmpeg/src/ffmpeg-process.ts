import { CameraError, type CameraErrorCode, type ChildExit, ChildFrames } from '@cam/core';
import { redactCredentials } from './options.js';

/** ffmpeg's stderr lines that say why it failed, in the order they are checked, and the code each means. */
const STDERR_CODES: [RegExp, CameraErrorCode, string][] = [
  [/401 Unauthorized|403 Forbidden|Unauthorized/i, 'UNAUTHORIZED', 'the source refused the credentials'],
  [
    /No such file or directory|404 Not Found|Connection refused|Name or service not known|Failed to resolve|No route to host|Invalid data found when processing input/i,
    'DEVICE_NOT_FOUND',
    'the source cannot be opened',
  ],
  [/timed out|Timeout/i, 'TIMEOUT', 'the source did not answer in time'],
];

/**
 * Starts ffmpeg, its stdout read as frames by core's ChildFrames (which also stops it: SIGINT, on which
 * ffmpeg finishes cleanly, then SIGTERM, then SIGKILL, to its whole process group). Its stderr is shown
 * with credentials in URLs replaced. `DEPENDENCY_MISSING` when `command` is not on PATH.
 */
export async function startFfmpeg(
  command: string,
  args: readonly string[],
  camera: string,
): Promise<ChildFrames> {
  try {
    return await ChildFrames.start(command, args, {
      camera,
      redact: redactCredentials,
      exitError: (exit) => ffmpegExitError(exit, camera),
    });
  } catch (error) {
    throw spawnError(command, error as NodeJS.ErrnoException, camera);
  }
}

/** The error for what ffmpeg said last (refused credentials, a source not there, a timeout), if it did. */
function ffmpegExitError({ command, how, lines, cause }: ChildExit, camera: string): CameraError | undefined {
  for (const [pattern, code, meaning] of STDERR_CODES) {
    const line = lines.findLast((text) => pattern.test(text));
    if (line)
      return new CameraError(code, `${meaning}: ${command} ${how} saying "${line}"`, { camera, cause });
  }
  return undefined;
}

/** The error for a program that could not be started. */
export function spawnError(command: string, error: NodeJS.ErrnoException, camera: string): CameraError {
  // Not the error itself as the cause: it carries `spawnargs`, whose input URL may hold a password.
  const cause = new Error(`spawn ${command} ${error.code ?? ''}: ${error.message}`.trim());
  if (error.code === 'ENOENT' || error.code === 'EACCES') {
    const install =
      command === 'ffmpeg'
        ? 'install it (Debian, Ubuntu, Raspberry Pi OS: sudo apt install ffmpeg)'
        : 'check the option command';
    return new CameraError(
      'DEPENDENCY_MISSING',
      `cannot run ${command}: not found on PATH or not executable; ${install}`,
      {
        camera,
        cause,
      },
    );
  }
  return new CameraError('DRIVER_FAILED', `cannot run ${command}: ${error.message}`, {
    camera,
    cause,
  });
}
