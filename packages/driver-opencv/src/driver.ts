import { type CameraDriver, CameraError } from '@cam/core';
import { loadOpenCv } from './binding.js';
import { OpenCvCamera } from './opencv-camera.js';
import { DRIVER_NAME, type OpenCvCameraOptions, parseOpenCvOptions } from './options.js';
import { parseSource } from './source.js';
import { videoBackends } from './video-backends.js';

/**
 * Throws `DEPENDENCY_MISSING` when this machine cannot run the driver with these options: the binding
 * does not load, or the OpenCV it loads lacks the back-end the source needs (GStreamer for a pipeline,
 * FFmpeg or GStreamer for a file or URL). Does not open the source.
 */
export function checkOpenCvAvailable(options: OpenCvCameraOptions = {}): void {
  const cv = loadOpenCv();
  const backends = videoBackends(cv);
  const kind = parseSource(options.source ?? 0).kind;
  const version = `${cv.version.major}.${cv.version.minor}.${cv.version.revision}`;
  let missing: string | undefined;
  if (kind === 'pipeline' && !backends.gstreamer) missing = 'GStreamer, which a pipeline source needs';
  if ((kind === 'file' || kind === 'url') && !backends.ffmpeg && !backends.gstreamer) {
    missing = 'FFmpeg or GStreamer, which a file or URL source needs';
  }
  if (missing) {
    throw new CameraError(
      'DEPENDENCY_MISSING',
      `the system's OpenCV ${version} is built without ${missing} (Debian's libopencv-dev has both)`,
      { camera: DRIVER_NAME },
    );
  }
}

export const driver: CameraDriver<OpenCvCameraOptions> = {
  name: DRIVER_NAME,
  description: 'webcams, video files, network streams and GStreamer pipelines through OpenCV',
  parseOptions: parseOpenCvOptions,
  createCamera: (options, camera) => new OpenCvCamera(options, camera),
  checkAvailable: checkOpenCvAvailable,
};
