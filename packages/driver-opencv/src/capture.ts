import { CameraError, jpegDimensions, looksLikeJpeg, withHuffmanTables } from '@cam/core';
import type { Mat, VideoCapture } from '@u4/opencv4nodejs';
import { abortable } from './abortable.js';
import type { OpenCv } from './binding.js';
import { jpegEnd } from './jpeg.js';
import type { OpenCvCameraOptions } from './options.js';
import { describeSource, type VideoSource } from './source.js';
import { videoBackends } from './video-backends.js';

/** What the source actually delivers, as far as OpenCV can tell; sizes are those of the frames sent. */
export interface ActualFormat {
  width: number;
  height: number;
  /** The source's frame rate as OpenCV reports it (0 when unknown); for a file, the playback rate. */
  fps: number;
  /** The source's pixel format or codec, e.g. `MJPG`, `YUYV`, `avc1`; empty when OpenCV cannot tell. */
  fourcc: string;
  /** True when the source's own JPEG frames are passed through; false when this driver encodes them. */
  passthrough: boolean;
}

const DEFAULT_QUALITY = 80;

/**
 * One open `VideoCapture` and the work of turning its frames into JPEG: every read, decode and encode
 * is an async call, which runs on libuv's thread pool (only the open and release are synchronous: the
 * binding has no async form of them).
 */
export class Capture {
  readonly actual: ActualFormat;
  readonly #cv: OpenCv;
  readonly #capture: VideoCapture;
  readonly #description: string;
  readonly #camera: string;
  readonly #quality: number;
  readonly #passthrough: boolean;
  #first = true;
  /** The last async operation on the VideoCapture: release() must wait for it (it runs on a thread). */
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(
    cv: OpenCv,
    capture: VideoCapture,
    description: string,
    options: OpenCvCameraOptions,
    camera: string,
  ) {
    this.#cv = cv;
    this.#capture = capture;
    this.#description = description;
    this.#camera = camera;
    this.#quality = options.quality ?? DEFAULT_QUALITY;
    this.#passthrough = options.passthrough ?? true;
    this.actual = {
      width: capture.get(cv.CAP_PROP_FRAME_WIDTH),
      height: capture.get(cv.CAP_PROP_FRAME_HEIGHT),
      fps: capture.get(cv.CAP_PROP_FPS) || 0,
      fourcc: fourccText(capture.get(cv.CAP_PROP_FOURCC)),
      passthrough: false,
    };
  }

  /**
   * Opens `source` and applies the options it supports. Throws `DEVICE_NOT_FOUND` naming the source when
   * OpenCV cannot open it (the binding throws a bare string then).
   */
  static async open(
    cv: OpenCv,
    source: VideoSource,
    options: OpenCvCameraOptions,
    camera: string,
  ): Promise<Capture> {
    const description = describeSource(source);
    let capture: VideoCapture;
    try {
      capture = new cv.VideoCapture(source.target, backendFor(cv, source));
    } catch (error) {
      const cause = typeof error === 'string' ? new Error(error) : error;
      throw new CameraError('DEVICE_NOT_FOUND', `cannot open ${description}: ${OPEN_HINTS[source.kind]}`, {
        camera,
        cause,
      });
    }
    try {
      await configure(cv, capture, source, options);
      const opened = new Capture(cv, capture, description, options, camera);
      if (source.kind === 'file' && options.fps) opened.actual.fps = options.fps;
      return opened;
    } catch (error) {
      capture.release();
      throw error;
    }
  }

  /**
   * The next frame as a JPEG, or undefined when the source has no more (end of file or stream). Rejects
   * at once when `signal` aborts; the read itself goes on, and `release()` waits for it.
   */
  async read(signal: AbortSignal): Promise<Buffer | undefined> {
    for (;;) {
      let mat: Mat;
      try {
        mat = await abortable(this.#use(this.#capture.readAsync()), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new CameraError('DRIVER_FAILED', `reading from ${this.#description} failed: ${reason}`, {
          camera: this.#camera,
          cause: error,
        });
      }
      if (mat.empty) return undefined;
      const jpeg = await this.#toJpeg(mat);
      mat.release();
      if (jpeg) return jpeg;
      // A truncated JPEG from the device (no end marker): skip it, as a browser would show it broken.
    }
  }

  /** Back to the first frame, for looping a file. False when the source cannot seek. */
  rewind(signal: AbortSignal): Promise<boolean> {
    return abortable(this.#use(this.#capture.setAsync(this.#cv.CAP_PROP_POS_FRAMES, 0)), signal);
  }

  /**
   * Releases the device once the operation in progress (a read waiting for a slow source) has returned,
   * so that stopping never waits for a frame; resolves when it is released (a failure to release is
   * ignored: there is nothing left to do with the device).
   */
  release(): Promise<void> {
    return this.#pending.then(() => this.#capture.release()).catch(() => {});
  }

  #use<T>(operation: Promise<T>): Promise<T> {
    this.#pending = operation.catch(() => {}); // its failure is reported by the caller that awaits it
    return operation;
  }

  async #toJpeg(mat: Mat): Promise<Buffer | undefined> {
    const cv = this.#cv;
    let image = mat;
    // An encoded frame arrives as one row of bytes: MJPEG from a camera with RGB conversion off, a raw
    // packet from FFmpeg, or a GStreamer appsink receiving image/jpeg.
    if (mat.rows === 1 && mat.channels === 1 && mat.depth === cv.CV_8U) {
      const bytes = await mat.getDataAsync();
      if (!looksLikeJpeg(bytes)) {
        throw new CameraError(
          'INVALID_FRAME',
          `${this.#description} delivers encoded frames that are not JPEG`,
          {
            camera: this.#camera,
          },
        );
      }
      const end = jpegEnd(bytes);
      if (end === undefined) return undefined;
      const jpeg = bytes.subarray(0, end); // cameras may pad their buffers after the end marker
      if (this.#passthrough) {
        if (this.#first) this.#noteFirst(jpegDimensions(jpeg), true);
        // Many webcams leave out the Huffman tables; Safari paints nothing without them.
        return withHuffmanTables(jpeg);
      }
      image = await cv.imdecodeAsync(jpeg);
    }
    if (this.#first) this.#noteFirst({ width: image.cols, height: image.rows }, false);
    const encoded = await cv.imencodeAsync('.jpg', image, [cv.IMWRITE_JPEG_QUALITY, this.#quality]);
    if (image !== mat) image.release();
    return encoded;
  }

  #noteFirst(size: { width: number; height: number } | undefined, passthrough: boolean): void {
    this.#first = false;
    this.actual.passthrough = passthrough;
    if (size) Object.assign(this.actual, size);
  }
}

const OPEN_HINTS: Record<VideoSource['kind'], string> = {
  device: 'no such camera, or it is busy (is it connected? is another program using it?)',
  file: 'the file does not exist or FFmpeg cannot read it',
  url: 'the stream is unreachable or FFmpeg cannot read it',
  pipeline: 'GStreamer cannot start it (try it with gst-launch-1.0; it must end in appsink)',
};

/** Files and URLs go to FFmpeg when OpenCV has it (OpenCV's default order tries image sequences too). */
function backendFor(cv: OpenCv, source: VideoSource): number {
  if (source.kind === 'pipeline') return cv.CAP_GSTREAMER;
  if (source.kind === 'device') return cv.CAP_ANY;
  return videoBackends(cv).ffmpeg ? cv.CAP_FFMPEG : cv.CAP_ANY;
}

/**
 * Applies the options the source supports. A camera is asked for MJPEG first (before the size: V4L2
 * picks sizes per format), and its RGB conversion is turned off only when it agreed, so that the read
 * Mat holds the JPEG bytes. An MJPEG file or stream read by FFmpeg is switched to raw packets.
 */
async function configure(
  cv: OpenCv,
  capture: VideoCapture,
  source: VideoSource,
  options: OpenCvCameraOptions,
): Promise<void> {
  const passthrough = options.passthrough ?? true;
  if (source.kind === 'device') {
    if (passthrough) await capture.setAsync(cv.CAP_PROP_FOURCC, cv.VideoWriter.fourcc('MJPG'));
    if (options.width) await capture.setAsync(cv.CAP_PROP_FRAME_WIDTH, options.width);
    if (options.height) await capture.setAsync(cv.CAP_PROP_FRAME_HEIGHT, options.height);
    if (options.fps) await capture.setAsync(cv.CAP_PROP_FPS, options.fps);
    if (passthrough && isMjpeg(fourccText(capture.get(cv.CAP_PROP_FOURCC)))) {
      await capture.setAsync(cv.CAP_PROP_CONVERT_RGB, 0);
    }
  } else if (passthrough && (source.kind === 'file' || source.kind === 'url')) {
    if (isMjpeg(fourccText(capture.get(cv.CAP_PROP_FOURCC)))) {
      await capture.setAsync(cv.CAP_PROP_FORMAT, -1); // FFmpeg: packets as they are in the file
    }
  }
}

/** `MJPG` (V4L2, AVI), `mjpe` (FFmpeg's tag for an MJPEG stream), `jpeg`, `MJPA`… */
function isMjpeg(fourcc: string): boolean {
  return /^(mjp|jpe)/i.test(fourcc);
}

function fourccText(value: number): string {
  const code = Math.trunc(value);
  if (!(code > 0)) return '';
  const chars = [0, 8, 16, 24].map((shift) => (code >> shift) & 0xff);
  if (!chars.every((char) => char >= 0x20 && char < 0x7f)) return '';
  return String.fromCharCode(...chars).trim();
}
