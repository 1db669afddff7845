import type { OpenCv } from './binding.js';

/** The video I/O back-ends this OpenCV was built with (from its build information). */
export interface VideoBackends {
  ffmpeg: boolean;
  gstreamer: boolean;
  v4l2: boolean;
}

const cache = new WeakMap<object, VideoBackends>();

export function videoBackends(cv: OpenCv): VideoBackends {
  let backends = cache.get(cv);
  if (!backends) {
    const info = cv.getBuildInformation();
    const start = info.indexOf('Video I/O:');
    const section = start < 0 ? '' : info.slice(start, info.indexOf('\n\n', start) >>> 0);
    const has = (name: string) => new RegExp(`^\\s*${name}:\\s+YES`, 'mi').test(section);
    backends = { ffmpeg: has('FFMPEG'), gstreamer: has('GStreamer'), v4l2: has('v4l/v4l2') };
    cache.set(cv, backends);
  }
  return backends;
}
