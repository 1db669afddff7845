// What happens where the binding is missing, simulated with a loader that fails as the real one does.
// These tests run everywhere, binding or not.
import { createRequire } from 'node:module';
import { CameraError } from '@cam/core';
import { describe, expect, test } from 'vitest';
import {
  driver,
  INSTALL_STEPS,
  loadOpenCv,
  OpenCvCamera,
  type OpenCvLoader,
  systemOpenCvVersion,
} from '../src/index.js';

/** A loader that throws `error` as the real require would. */
function failingLoader(error: Error & { code?: string }): OpenCvLoader {
  return () => {
    throw error;
  };
}

function notBuilt(): Error & { code?: string } {
  const error: Error & { code?: string } = new Error(
    "Cannot find module '/repo/node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs'",
  );
  error.code = 'MODULE_NOT_FOUND';
  return error;
}

/** A machine without OpenCV's development files, whatever this one has. */
const NO_SYSTEM_OPENCV = { systemOpenCv: () => undefined };

function caught(fn: () => unknown): CameraError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CameraError);
    return error as CameraError;
  }
  throw new Error('expected a CameraError');
}

describe('a missing binding', () => {
  test('importing the package, parsing options and creating a camera never load it', () => {
    const camera = driver.createCamera(driver.parseOptions({ source: '0', width: '640', quality: '70' }));
    expect(camera).toBeInstanceOf(OpenCvCamera);
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.filter((path) => path.includes('opencv4nodejs'))).toEqual([]);
  });

  test('an unbuilt binding: DEPENDENCY_MISSING saying what is missing and the exact steps', () => {
    const cause = notBuilt();
    const error = caught(() => loadOpenCv(failingLoader(cause), NO_SYSTEM_OPENCV));
    expect(error.code).toBe('DEPENDENCY_MISSING');
    expect(error.camera).toBe('opencv');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      '[cam] [opencv] the OpenCV binding (@u4/opencv4nodejs) is not built: install OpenCV with ' +
        '"sudo apt install libopencv-dev", then build the binding with ' +
        '"pnpm --filter @cam/driver-opencv build:binding"',
    );
    expect(error.message.split('\n')).toHaveLength(1); // the server prints it as one line
  });

  test('a missing OpenCV library is named', () => {
    const cause = new Error(
      'libopencv_videoio.so.406: cannot open shared object file: No such file or directory',
    );
    const error = caught(() => loadOpenCv(failingLoader(cause), NO_SYSTEM_OPENCV));
    expect(error.code).toBe('DEPENDENCY_MISSING');
    expect(error.detail).toBe(
      `the OpenCV library libopencv_videoio.so.406 is missing (the binding was built against another OpenCV): ${INSTALL_STEPS}`,
    );
  });

  test('where OpenCV is installed, only the build step is given, not "apt install libopencv-dev"', () => {
    const error = caught(() => loadOpenCv(failingLoader(notBuilt()), { systemOpenCv: () => '4.6.0' }));
    expect(error.detail).toBe(
      'the OpenCV binding (@u4/opencv4nodejs) is not built: OpenCV 4.6.0 is installed: ' +
        'build the binding with "pnpm --filter @cam/driver-opencv build:binding"',
    );
    expect(error.message).not.toContain('apt install');
  });

  test('the real detection agrees with pkg-config on this machine', () => {
    const version = systemOpenCvVersion();
    const error = caught(() => loadOpenCv(failingLoader(notBuilt())));
    if (version) expect(error.detail).toContain(`OpenCV ${version} is installed`);
    else expect(error.detail).toContain('sudo apt install libopencv-dev');
  });

  test('a missing package says to run pnpm install', () => {
    const cause: Error & { code?: string } = new Error("Cannot find module '@u4/opencv4nodejs'");
    cause.code = 'MODULE_NOT_FOUND';
    const error = caught(() => loadOpenCv(failingLoader(cause)));
    expect(error.detail).toMatch(/^the package @u4\/opencv4nodejs is not installed \(run "pnpm install"\)/);
  });

  test('the camera fails its start with DEPENDENCY_MISSING, which viewers receive and state shows', async () => {
    const camera = new OpenCvCamera({ source: 0 }, { loadBinding: failingLoader(notBuilt()) });
    try {
      const error = await camera
        .subscribe()
        .next()
        .catch((e: unknown) => e as CameraError);
      expect(error).toBeInstanceOf(CameraError);
      expect((error as CameraError).code).toBe('DEPENDENCY_MISSING');
      expect((error as CameraError).message).toContain('pnpm --filter @cam/driver-opencv build:binding');
      expect(camera.state.status).toBe('error');
      expect(camera.state.lastError?.code).toBe('DEPENDENCY_MISSING');
      expect(camera.actual).toBeUndefined();
    } finally {
      await camera.close();
    }
  });
});
