import { JpegSplitter } from '@cam/core';
import { MjpegParseError, MjpegParser } from '@cam/http-mjpeg/client';

/** Why a stream's bytes could not be read as frames: the caller turns it into a CameraError. */
export class GarbledStreamError extends Error {
  override readonly name = 'GarbledStreamError';
}

/** Reading progress, for the message when the stream ends. */
export interface StreamProgress {
  frames: number;
  /** Bytes of a frame that had begun when the stream ended: dropped, never passed on. */
  pendingBytes: number;
}

/**
 * Yields the JPEG of each part of a `multipart/x-mixed-replace` body, unchanged. Parts with a
 * Content-Length and CRLF line ends (cam, most cameras) are read by `@cam/http-mjpeg`'s strict parser,
 * which checks every delimiter and length. When the first part does not parse that way (no
 * Content-Length, LF-only line ends, a boundary spelled differently from its declaration), the stream is
 * read again from its first byte by the JPEG structure instead, skipping the part headers between images.
 * Either way a frame is passed on only once it is whole; anything malformed throws a GarbledStreamError.
 */
export async function* multipartFrames(
  body: AsyncIterable<Buffer>,
  boundary: string | undefined,
  progress: StreamProgress,
): AsyncGenerator<Buffer> {
  let parser: MjpegParser | undefined = boundary ? new MjpegParser(boundary) : undefined;
  let splitter: JpegSplitter | undefined = parser ? undefined : new JpegSplitter({ skipBetweenImages: true });
  /** The bytes before the strict parser's first part, to be read again should it fail on them. */
  let unparsed: Buffer[] | undefined = [];
  for await (const chunk of body) {
    let frames: Buffer[];
    if (parser) {
      try {
        frames = parser.push(chunk).map((part) => jpegOf(part.headers, part.body));
        unparsed?.push(chunk);
        if (frames.length) unparsed = undefined;
        progress.pendingBytes = parser.pendingBytes;
      } catch (error) {
        if (!(error instanceof MjpegParseError)) throw error;
        if (!unparsed) throw new GarbledStreamError(`the stream is garbled: ${error.message}`);
        parser = undefined;
        splitter = new JpegSplitter({ skipBetweenImages: true });
        frames = split(splitter, [...unparsed, chunk]);
        unparsed = undefined;
      }
    } else {
      frames = split(splitter!, [chunk]);
    }
    if (splitter) progress.pendingBytes = splitter.pendingBytes;
    for (const frame of frames) {
      progress.frames += 1;
      yield frame;
    }
  }
}

function split(splitter: JpegSplitter, chunks: Buffer[]): Buffer[] {
  try {
    return chunks.flatMap((chunk) => splitter.push(chunk));
  } catch (error) {
    throw new GarbledStreamError(`the stream holds a broken JPEG: ${(error as Error).message}`);
  }
}

function jpegOf(headers: Record<string, string>, body: Buffer): Buffer {
  const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== undefined && type !== 'image/jpeg' && type !== 'image/jpg') {
    throw new GarbledStreamError(`a part holds ${type}, not image/jpeg`);
  }
  return body;
}
