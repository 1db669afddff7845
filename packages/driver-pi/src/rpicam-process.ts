import type { ChildProcess } from 'node:child_process';
import { CameraError, type ChildExit, ChildFrames, spawnProcess } from '@cam/core';

/** The programs looked for, in order, when the `command` option is not set. */
export const DEFAULT_COMMANDS: readonly string[] = ['rpicam-vid', 'libcamera-vid'];

/**
 * libcamera before 0.7 colours its log lines even into a pipe; these turn that off (older and newer
 * spellings). Escapes that come anyway (a wrapper that resets the environment) are stripped when read.
 */
const PLAIN_LOG_ENV = { LIBCAMERA_LOG_NO_COLOR: '1', LIBCAMERA_LOG_COLOR: 'no' };

/**
 * Frames read but not yet taken. The camera takes each frame as soon as it is read, so this holds more
 * than one only when a chunk completes several; the bound is a safety net, dropping the oldest.
 */
const MAX_QUEUED = 8;

/**
 * Starts the first of `commands` found on PATH, its stdout read as frames by core's ChildFrames (which
 * also stops it, SIGINT, SIGTERM, then SIGKILL, to its whole process group). Should the server die
 * without stopping it, the tool's next write to its closed stdout pipe ends it (since rpicam-apps 1.4.3
 * by SIGABRT: "failed to write output bytes" is thrown where nothing catches it; before, by SIGPIPE).
 *
 * A camera that stops sending (rpicam-vid logs "Camera frontend has timed out!" and restarts the camera
 * without exiting) is not detected here: `@cam/core`'s stall watchdog fails the run, and the driver's
 * `finally` stops the tool.
 */
export async function startRpicam(
  commands: readonly string[],
  args: readonly string[],
  camera: string,
): Promise<ChildFrames> {
  const { command, child } = await spawnFirst(commands, args, camera, ['ignore', 'pipe', 'pipe']);
  return new ChildFrames(child, {
    camera,
    command,
    maxQueued: MAX_QUEUED,
    exitError: rpicamExitError(camera),
  });
}

/** What rpicam-vid's last words mean: no camera, no such camera, a busy one; else core's default. */
function rpicamExitError(camera: string): (exit: ChildExit) => CameraError | undefined {
  return ({ command, how, lines, cause }) => {
    const line = (pattern: RegExp) => lines.findLast((text) => pattern.test(text));
    const error = (detail: string) => new CameraError('DEVICE_NOT_FOUND', detail, { camera, cause });
    const noCamera = line(/no cameras available/i);
    if (noCamera) {
      return error(
        `no camera found: ${command} ${how} saying "${noCamera}". Check the camera's ribbon cable and ` +
          'that `rpicam-hello --list-cameras` lists it',
      );
    }
    const notThere = line(/selected camera is not available/i);
    if (notThere) {
      return error(
        `no such camera: ${command} ${how} saying "${notThere}". The option camera is an index ` +
          'from 0; `rpicam-hello --list-cameras` lists the cameras there are',
      );
    }
    const busy = line(/failed to acquire camera/i);
    if (busy) return error(`the camera is busy (is another program using it?): ${busy}`);
    return undefined;
  };
}

/**
 * Spawns the first of `commands` that exists, each looked up on PATH by the system as it runs it (the
 * driver reads no environment itself). Throws `DEPENDENCY_MISSING` naming them all when none does.
 */
export async function spawnFirst(
  commands: readonly string[],
  args: readonly string[],
  camera: string,
  stdio: ['ignore', 'pipe' | 'ignore', 'pipe' | 'ignore'],
): Promise<{ command: string; child: ChildProcess }> {
  const failures: NodeJS.ErrnoException[] = [];
  for (const command of commands) {
    try {
      const env = { ...process.env, ...PLAIN_LOG_ENV };
      return { command, child: await spawnProcess(command, args, { stdio, env }) };
    } catch (caught) {
      const error = caught as NodeJS.ErrnoException;
      if (error.code !== 'ENOENT' && error.code !== 'EACCES') {
        throw new CameraError('DRIVER_FAILED', `cannot run ${command}: ${error.message}`, {
          camera,
          cause: error,
        });
      }
      failures.push(error);
    }
  }
  throw new CameraError('DEPENDENCY_MISSING', missingMessage(commands), { camera, cause: failures[0] });
}

function missingMessage(commands: readonly string[]): string {
  if (commands !== DEFAULT_COMMANDS) {
    return `cannot run ${commands.join(', ')} (option command): not found, or not executable`;
  }
  return (
    'neither rpicam-vid nor libcamera-vid is on PATH. Raspberry Pi OS (Bookworm or later) ships them; ' +
    'on other distributions install rpicam-apps where available (sudo apt install rpicam-apps)'
  );
}
