// The one file that loads the native OpenCV binding (@u4/opencv4nodejs). Everything else receives the
// loaded module from here, so importing this package never touches native code.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { CameraError } from '@cam/core';

/** The loaded binding: `@u4/opencv4nodejs`'s module. */
export type OpenCv = typeof import('@u4/opencv4nodejs');

/** Loads the binding synchronously or throws why it cannot; replaceable in tests. */
export type OpenCvLoader = () => OpenCv;

const DRIVER = 'opencv';

const BUILD_STEP = 'build the binding with "pnpm --filter @cam/driver-opencv build:binding"';

/** What to run to make the binding available, as one line (the server prints it on a refused start). */
export const INSTALL_STEPS = `install OpenCV with "sudo apt install libopencv-dev", then ${BUILD_STEP}`;

/** The steps for this machine: no OpenCV install step where OpenCV is already installed. */
export function installSteps(systemOpenCv: string | undefined): string {
  return systemOpenCv ? `OpenCV ${systemOpenCv} is installed: ${BUILD_STEP}` : INSTALL_STEPS;
}

/** The system OpenCV's version, as pkg-config reports it (what build:binding builds against), if any. */
export function systemOpenCvVersion(): string | undefined {
  try {
    return execFileSync('pkg-config', ['--modversion', 'opencv4'], {
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  } catch {
    return undefined; // no pkg-config, or no opencv4.pc: OpenCV's development files are not installed
  }
}

export interface LoadOptions {
  /** Finds the system's OpenCV, to say only the steps still needed. Default {@link systemOpenCvVersion}. */
  systemOpenCv?: () => string | undefined;
}

let cached: { cv: OpenCv } | { error: CameraError } | undefined;

/**
 * Loads `@u4/opencv4nodejs` once and returns it; later calls return the same module. Throws a
 * `CameraError` with code `DEPENDENCY_MISSING` that says what is missing and how to install it, with the
 * original error as `cause`. A failure is remembered too: a process does not retry a dlopen that failed.
 *
 * `loader` replaces the real loader (for tests); a custom loader's result is not cached.
 */
export function loadOpenCv(loader?: OpenCvLoader, options: LoadOptions = {}): OpenCv {
  if (loader) return load(loader, options);
  if (!cached) {
    try {
      cached = { cv: load(requireBinding, options) };
    } catch (error) {
      cached = { error: error as CameraError };
    }
  }
  if ('error' in cached) throw cached.error;
  return cached.cv;
}

/** True when the binding loads on this machine. Never throws. */
export function isOpenCvAvailable(loader?: OpenCvLoader): boolean {
  try {
    loadOpenCv(loader);
    return true;
  } catch {
    return false;
  }
}

function load(loader: OpenCvLoader, options: LoadOptions): OpenCv {
  try {
    return loader();
  } catch (error) {
    // Only on failure, once per process (the failure is cached): one short pkg-config run.
    const steps = installSteps((options.systemOpenCv ?? systemOpenCvVersion)());
    throw new CameraError('DEPENDENCY_MISSING', `${whatIsMissing(error)}: ${steps}`, {
      camera: DRIVER,
      cause: error,
    });
  }
}

/**
 * The real loader. Two quirks of @u4/opencv4nodejs are handled here:
 * - without OPENCV4NODEJS_DISABLE_AUTOBUILD its loader looks for an OpenCV it built itself (which we never
 *   build) and fails, even when the binding was built against the system's OpenCV;
 * - it prints info lines to stdout while loading; they would corrupt a server's JSON log, so console
 *   output is muted for the (synchronous) duration of the require, and nothing else can run meanwhile.
 * OpenCV's own warnings (GStreamer's "unhandled property" on every open) are limited to errors, unless
 * OPENCV_LOG_LEVEL says otherwise.
 */
function requireBinding(): OpenCv {
  process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD ??= '1';
  process.env.OPENCV_LOG_LEVEL ??= 'ERROR';
  const require = createRequire(import.meta.url);
  const saved = { log: console.log, info: console.info, warn: console.warn };
  const mute = () => {};
  console.log = mute;
  console.info = mute;
  console.warn = mute;
  try {
    return require('@u4/opencv4nodejs') as OpenCv;
  } finally {
    Object.assign(console, saved);
  }
}

/** One clause naming what is missing, from the loader's error. */
function whatIsMissing(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | undefined)?.code;
  if (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    /'@u4\/opencv4nodejs'/.test(message)
  ) {
    return 'the package @u4/opencv4nodejs is not installed (run "pnpm install")';
  }
  const library = /(libopencv_\w+\.so[\w.]*)/.exec(message)?.[1];
  if (library)
    return `the OpenCV library ${library} is missing (the binding was built against another OpenCV)`;
  if (/opencv4nodejs\.node|Cannot find module|binding not available/i.test(message)) {
    return 'the OpenCV binding (@u4/opencv4nodejs) is not built';
  }
  return `the OpenCV binding (@u4/opencv4nodejs) failed to load (${firstLine(message)})`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]!.trim().slice(0, 200);
}
