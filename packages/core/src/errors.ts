/**
 * Stable error codes. Callers branch on `code`, never on message text.
 *
 * - `INVALID_OPTION`: a driver or camera option has a value it does not accept (`option` names it).
 * - `DRIVER_FAILED`: the driver's frame generator threw; the original error is the `cause`.
 * - `SOURCE_ENDED`: the driver's frame generator finished although the camera was not stopping.
 * - `INVALID_FRAME`: the driver yielded something that is not a JPEG `Buffer`.
 * - `DEVICE_NOT_FOUND`: the driver could not find or open its device.
 * - `DEPENDENCY_MISSING`: a native library or tool that the driver needs is not installed.
 * - `TIMEOUT`: no frame arrived within the time the caller allowed.
 * - `CAMERA_CLOSED`: the camera was closed; waiting viewers are released with this code.
 */
export type CameraErrorCode =
  | 'INVALID_OPTION'
  | 'DRIVER_FAILED'
  | 'SOURCE_ENDED'
  | 'INVALID_FRAME'
  | 'DEVICE_NOT_FOUND'
  | 'DEPENDENCY_MISSING'
  | 'TIMEOUT'
  | 'CAMERA_CLOSED';

export interface CameraErrorOptions {
  /** The camera or driver the error is about; it prefixes the message. */
  camera?: string;
  /** For `INVALID_OPTION`: the option's name. */
  option?: string;
  cause?: unknown;
}

/** The one error class of cam. Its message reads `[cam] [<camera>] <what happened>`. */
export class CameraError extends Error {
  override readonly name = 'CameraError';
  readonly code: CameraErrorCode;
  readonly camera: string | undefined;
  readonly option: string | undefined;
  /** The message without the `[cam] [<camera>]` prefix, for callers that add their own context. */
  readonly detail: string;

  constructor(code: CameraErrorCode, detail: string, options: CameraErrorOptions = {}) {
    const prefix = options.camera ? `[cam] [${options.camera}] ` : '[cam] ';
    super(prefix + detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.camera = options.camera;
    this.option = options.option;
    this.detail = detail;
  }
}

/** Turns anything a driver threw into a CameraError, keeping a driver's own CameraError as it is. */
export function toCameraError(error: unknown, camera: string): CameraError {
  if (error instanceof CameraError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CameraError('DRIVER_FAILED', `driver failed: ${reason}`, { camera, cause: error });
}
