import { execFile } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import type { FfmpegCameraOptions } from './options.js';

/** ffprobe, found where `command` is: on PATH for `ffmpeg`, in the same directory for a path. */
export function ffprobeFor(command: string): string {
  const name = basename(command).replace(/ffmpeg/, 'ffprobe');
  return command.includes('/') ? join(dirname(command), name) : name;
}

/**
 * The codec of the input's first video stream (`mjpeg`, `h264`...), or undefined when ffprobe cannot
 * tell (it is missing, the source refused it, it took longer than `timeout`, by default 5 s: a
 * share of core's 10 s `startTimeout`): the caller then encodes,
 * and ffmpeg itself reports what is wrong with the source.
 */
export function probeVideoCodec(
  options: FfmpegCameraOptions,
  signal: AbortSignal,
  timeout = 5000,
): Promise<string | undefined> {
  // The codec is known from the container or the SDP at once: no need to analyse seconds of video.
  const args = [
    '-v',
    'error',
    '-analyzeduration',
    '1000000',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name',
    '-of',
    'csv=p=0',
  ];
  if (options.rtspTransport) args.push('-rtsp_transport', options.rtspTransport);
  args.push(...(options.inputArgs ?? []), '-i', options.input);
  return new Promise((resolve) => {
    execFile(ffprobeFor(options.command ?? 'ffmpeg'), args, { signal, timeout }, (error, stdout) => {
      const codec = String(stdout).trim().split('\n')[0]?.trim();
      resolve(error || !codec ? undefined : codec);
    });
  });
}
