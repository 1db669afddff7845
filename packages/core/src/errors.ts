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

/**
 * The brand every CameraError carries. `Symbol.for` gives the same symbol in every copy of `@cam/core`
 * loaded in one process, so a driver that brings its own copy (installed from a tarball, `file:` or
 * `link:`) throws errors that the server's copy still recognises; `instanceof` would not.
 */
const BRAND = Symbol.for('cam.CameraError');

/**
 * The one error class of cam. Its message reads `[cam] [<camera>] <what happened>`.
 *
 * Recognise it with {@link isCameraError} and branch on `code`, never with `instanceof CameraError`:
 * two copies of `@cam/core` in one process make two classes.
 */
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
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True for a CameraError from any copy of `@cam/core` in this process (it checks the shared brand, not
 * the class). Use it instead of `instanceof CameraError`.
 */
export function isCameraError(value: unknown): value is CameraError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/**
 * Turns anything a driver threw into a CameraError, keeping a CameraError (from any copy of `@cam/core`)
 * as it is, so its code and message reach viewers unchanged. Anything else becomes `DRIVER_FAILED` with
 * the original as `cause`; `camera` names the camera in the message when given.
 */
export function toCameraError(error: unknown, camera?: string): CameraError {
  if (isCameraError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CameraError('DRIVER_FAILED', `driver failed: ${reason}`, {
    ...(camera === undefined ? {} : { camera }),
    cause: error,
  });
}
