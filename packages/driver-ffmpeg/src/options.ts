import { type RawOptions, readOptions } from '@cam/core';

export const DRIVER = 'ffmpeg';

export interface FfmpegCameraOptions {
  /** What ffmpeg opens (`-i`): an RTSP/HTTP/HLS URL, a file, a device. URLs may hold credentials. */
  input: string;
  /** Frames per second to produce (an `fps` filter). Default: the source's rate. */
  fps?: number;
  /** Scale to this width and/or height; with one of them, the other keeps the aspect ratio. */
  width?: number;
  height?: number;
  /** JPEG quality from 1 (smallest) to 100 (best), mapped onto ffmpeg's `-q:v` 31..2. Default 80. */
  quality?: number;
  /** RTSP over `tcp` (through firewalls, no loss) or `udp`. Default: ffmpeg's (UDP, then TCP). */
  rtspTransport?: 'tcp' | 'udp';
  /** Play a file in a loop instead of failing when it ends. Default false. */
  loop?: boolean;
  /** More input options, placed before `-i` (`-f v4l2 -input_format mjpeg`). */
  inputArgs?: string[];
  /** The program to run. Default `ffmpeg`, looked up on PATH; `ffprobe` is looked up next to it. */
  command?: string;
  /** How long each stop signal (SIGINT, SIGTERM, SIGKILL) waits for ffmpeg to exit (ms). Default 2000. */
  signalTimeout?: number;
}

/** Options from the environment (`CAMERA_INPUT`, `CAMERA_FPS`, ...) or code; `INVALID_OPTION` names one. */
export function parseFfmpegOptions(raw: RawOptions): FfmpegCameraOptions {
  const read = readOptions(raw, DRIVER);
  const input = read.value('input');
  if (typeof input !== 'string' || input.trim() === '') {
    throw read.invalid('input', 'what ffmpeg should open: an rtsp:// or http:// URL, a file or a device', '');
  }
  const options: FfmpegCameraOptions = {
    input: input.trim(),
    fps: read.number('fps', { above: 0, max: 240 }),
    width: read.number('width', { integer: true, min: 16, max: 16384 }),
    height: read.number('height', { integer: true, min: 16, max: 16384 }),
    quality: read.number('quality', { integer: true, min: 1, max: 100 }),
    rtspTransport: read.choice('rtspTransport', ['tcp', 'udp'] as const),
    loop: read.boolean('loop'),
    inputArgs: read.list('inputArgs'),
    command: read.string('command', { accepts: 'a program name or path' }),
    signalTimeout: read.number('signalTimeout', { min: 10, max: 60_000 }),
  };
  read.done();
  for (const name of Object.keys(options) as (keyof FfmpegCameraOptions)[]) {
    if (options[name] === undefined) delete options[name];
  }
  return options;
}

/** True for an input that is a file to be read at its own pace (not a URL, not a device). */
export function isFileInput(input: string): boolean {
  if (input.startsWith('/dev/')) return false;
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(input) || input.startsWith('file:');
}

/** True when the options ask for nothing that needs decoding: an MJPEG source can then be copied. */
export function wantsReencoding(options: FfmpegCameraOptions): boolean {
  return (
    options.fps !== undefined ||
    options.width !== undefined ||
    options.height !== undefined ||
    options.quality !== undefined
  );
}

/**
 * The ffmpeg command line: quiet but for errors (which become typed errors), the input with its options,
 * the first video stream only, then either a copy of MJPEG or an MJPEG encode, as back-to-back JPEGs on
 * stdout, each written as soon as it is made.
 */
export function ffmpegArgs(options: FfmpegCameraOptions, copy: boolean): string[] {
  const input: string[] = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
  if (options.rtspTransport) input.push('-rtsp_transport', options.rtspTransport);
  if (isFileInput(options.input)) input.push('-re');
  if (options.loop) input.push('-stream_loop', '-1');
  input.push(...(options.inputArgs ?? []), '-i', options.input, '-map', '0:v:0', '-an');
  const output = copy ? ['-c:v', 'copy'] : ['-c:v', 'mjpeg', '-q:v', String(qscale(options.quality ?? 80))];
  const filters: string[] = [];
  if (!copy && options.fps !== undefined) filters.push(`fps=${options.fps}`);
  if (!copy && (options.width !== undefined || options.height !== undefined)) {
    filters.push(`scale=${options.width ?? -2}:${options.height ?? -2}`);
  }
  // The MJPEG encoder wants full-range YUV; converting here spares a warning per frame.
  if (!copy) filters.push('format=yuvj420p');
  if (filters.length) output.push('-vf', filters.join(','));
  return [...input, ...output, '-f', 'mjpeg', '-flush_packets', '1', 'pipe:1'];
}

/** Quality 1..100 onto ffmpeg's MJPEG qscale 31..2 (lower is better). */
function qscale(quality: number): number {
  return Math.round(31 - ((quality - 1) * 29) / 99);
}

/** `text` with the credentials of any URL in it replaced, for messages: `rtsp://***@host/...`. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
}
