import { execFile, spawn } from 'node:child_process';
import { jpegDimensions } from '@cam/core';

/** True while a process with this id runs (a zombie counts as gone). */
export { isProcessAlive as isRunning } from '@cam/core/testing';

/**
 * Decodes back-to-back JPEGs with ffmpeg (the other side of the relay) to 8-bit grey pixels; returns how
 * many frames it decoded and their size. Rejects with ffmpeg's stderr when it reports any error.
 */
export function decodeJpegs(frames: Buffer[]): Promise<{ frames: number; width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-v',
        'error',
        '-f',
        'mjpeg',
        '-i',
        'pipe:0',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'gray',
        'pipe:1',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0 || stderr.trim())
        return reject(new Error(`ffmpeg could not decode the frames: ${stderr}`));
      const size = jpegDimensions(frames[0]!);
      if (!size) return reject(new Error('no start-of-frame segment in the first frame'));
      const { width, height } = size;
      resolve({ frames: bytes / (width * height), width, height });
    });
    child.stdin.end(Buffer.concat(frames));
  });
}

/** Runs ffmpeg to make a test file; resolves when it is written. */
export function makeVideo(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args], (error) =>
      error ? reject(error) : resolve(),
    );
  });
}
