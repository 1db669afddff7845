// A scripted stand-in for @u4/opencv4nodejs's VideoCapture, for what no machine of ours has: a V4L2
// camera that agrees (or not) to deliver MJPEG. It records what the driver asks of the device, and hands
// out frames as OpenCV's V4L2 back-end does: one row of JPEG bytes when RGB conversion is off and the
// format is MJPG, a BGR image otherwise.
import type { OpenCv } from '../src/index.js';

const CAP = {
  CAP_ANY: 0,
  CAP_PROP_POS_FRAMES: 1,
  CAP_PROP_FRAME_WIDTH: 3,
  CAP_PROP_FRAME_HEIGHT: 4,
  CAP_PROP_FPS: 5,
  CAP_PROP_FOURCC: 6,
  CAP_PROP_FORMAT: 8,
  CAP_PROP_CONVERT_RGB: 16,
  CAP_FFMPEG: 1900,
  CAP_GSTREAMER: 1800,
  IMWRITE_JPEG_QUALITY: 1,
  CV_8U: 0,
};

export function fourcc(text: string): number {
  return [...text].reduce((code, char, i) => code | (char.charCodeAt(0) << (8 * i)), 0);
}

/** A Mat as the driver sees one. */
class FakeMat {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly channels: number,
    readonly data: Buffer = Buffer.alloc(0),
  ) {}
  readonly depth = CAP.CV_8U;
  get empty(): boolean {
    return this.rows === 0;
  }
  getDataAsync(): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.data));
  }
  release(): void {}
}

export interface FakeCameraSpec {
  /** The formats the camera offers; the first is its default. */
  formats: string[];
  /** JPEG buffers the camera produces, in order, for MJPG (a buffer may be padded or truncated). */
  jpegs: Buffer[];
  /** After this many frames the camera delivers nothing (unplugged); default never. */
  framesUntilUnplugged?: number;
}

export interface FakeDevice {
  /** Every `set` the driver made, as `[property name, value]`. */
  sets: [string, number][];
  /** Qualities the driver encoded with. */
  encodes: number[];
  releases: number;
  loadBinding: () => OpenCv;
}

const NAMES = Object.fromEntries(Object.entries(CAP).map(([name, value]) => [value, name]));

export function fakeCamera(spec: FakeCameraSpec): FakeDevice {
  const device: FakeDevice = { sets: [], encodes: [], releases: 0, loadBinding: () => binding };
  const state = { fourcc: spec.formats[0]!, convert: 1, width: 640, height: 480, fps: 30, read: 0 };

  class VideoCapture {
    constructor(target: string | number) {
      if (target !== 0) throw 'VideoCapture::New - failed to open capture';
    }
    get(property: number): number {
      switch (property) {
        case CAP.CAP_PROP_FOURCC:
          return fourcc(state.fourcc);
        case CAP.CAP_PROP_FRAME_WIDTH:
          return state.width;
        case CAP.CAP_PROP_FRAME_HEIGHT:
          return state.height;
        case CAP.CAP_PROP_FPS:
          return state.fps;
        default:
          return 0;
      }
    }
    async setAsync(property: number, value: number): Promise<boolean> {
      device.sets.push([NAMES[property] ?? String(property), value]);
      if (property === CAP.CAP_PROP_FOURCC) {
        const wanted = spec.formats.find((format) => fourcc(format) === value);
        if (wanted) state.fourcc = wanted;
        return wanted !== undefined;
      }
      if (property === CAP.CAP_PROP_CONVERT_RGB) state.convert = value;
      if (property === CAP.CAP_PROP_FRAME_WIDTH) state.width = value;
      if (property === CAP.CAP_PROP_FRAME_HEIGHT) state.height = value;
      if (property === CAP.CAP_PROP_FPS) state.fps = value;
      return true;
    }
    async readAsync(): Promise<FakeMat> {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const n = state.read++;
      if (spec.framesUntilUnplugged !== undefined && n >= spec.framesUntilUnplugged)
        return new FakeMat(0, 0, 0);
      if (state.fourcc === 'MJPG' && state.convert === 0) {
        const jpeg = spec.jpegs[n % spec.jpegs.length]!;
        return new FakeMat(1, jpeg.length, 1, jpeg);
      }
      return new FakeMat(state.height, state.width, 3);
    }
    release(): void {
      device.releases += 1;
    }
  }

  const binding = {
    ...CAP,
    VideoCapture,
    VideoWriter: { fourcc },
    version: { major: 4, minor: 6, revision: 0 },
    getBuildInformation: () => 'Video I/O:\n    v4l/v4l2:  YES\n',
    imencodeAsync: async (_ext: string, mat: FakeMat, params: number[]) => {
      device.encodes.push(params[1]!);
      // a JPEG-looking buffer that tells which size was encoded
      return Buffer.from(`\xff\xd8encoded ${mat.cols}x${mat.rows}\xff\xd9`, 'latin1');
    },
    imdecodeAsync: async () => new FakeMat(state.height, state.width, 3),
  } as unknown as OpenCv;
  return device;
}
