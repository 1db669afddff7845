import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { jpegDimensions } from '@cam/core';
import { writeUint } from './ebml.js';
import { type CuePoint, cuesElement, cuesSeekEntry, MatroskaMuxer, type SegmentLayout } from './mkv-muxer.js';
import { readCluster, readSegmentHeader, scanClusters } from './mkv-reader.js';

export const PART_SUFFIX = '.part';

/** A segment that is complete on disk. */
export interface FinishedSegment {
  path: string;
  startTime: number;
  /** Start plus duration: the end of its last frame. */
  endTime: number;
  bytes: number;
  frames: number;
}

/**
 * Makes an unfinished file a complete Matroska file: drops anything after `end` (a cluster cut short),
 * appends the Cues, fills in their SeekHead entry, the Duration and the Segment size, then syncs it.
 */
export async function finalizeSegmentFile(
  handle: FileHandle,
  layout: SegmentLayout,
  cues: readonly CuePoint[],
  durationMs: number,
  end: number,
): Promise<number> {
  await handle.truncate(end);
  const cuesBytes = cuesElement(cues);
  await handle.write(cuesBytes, 0, cuesBytes.length, end);
  const seekEntry = cuesSeekEntry(end - layout.dataStart);
  await handle.write(seekEntry, 0, seekEntry.length, layout.cuesSeekOffset);
  const duration = Buffer.alloc(8);
  duration.writeDoubleBE(durationMs);
  await handle.write(duration, 0, 8, layout.durationOffset);
  const size = Buffer.alloc(8);
  writeUint(size, 1, 7, end + cuesBytes.length - layout.dataStart);
  size[0] = 0x01; // an 8-byte EBML size
  await handle.write(size, 0, 8, layout.segmentSizeOffset);
  await handle.sync();
  return end + cuesBytes.length;
}

/**
 * One segment being recorded: `<name>.mkv.part` until `finish()` syncs it and renames it to `<name>.mkv`.
 * Only whole clusters are written, so the file is always readable up to its last one.
 */
export class SegmentFile {
  readonly path: string;
  readonly #muxer: MatroskaMuxer;
  readonly #handle: FileHandle;
  #bytes = 0;

  private constructor(path: string, muxer: MatroskaMuxer, handle: FileHandle) {
    this.path = path;
    this.#muxer = muxer;
    this.#handle = handle;
  }

  /** Creates `<path>.part` for a segment whose first frame is `jpeg`, captured at `startTime`. */
  static async create(
    path: string,
    jpeg: Buffer,
    startTime: number,
    clusterMs?: number,
  ): Promise<SegmentFile> {
    const size = jpegDimensions(jpeg) ?? { width: 0, height: 0 };
    const muxer = new MatroskaMuxer({ ...size, startTime, clusterMs });
    const handle = await open(path + PART_SUFFIX, 'wx');
    const segment = new SegmentFile(path, muxer, handle);
    try {
      await segment.#write([muxer.header()]);
    } catch (error) {
      await segment.abandon();
      throw error;
    }
    return segment;
  }

  get startTime(): number {
    return this.#muxer.startTime;
  }

  /** Bytes written to disk so far. */
  get bytes(): number {
    return this.#bytes;
  }

  get durationMs(): number {
    return this.#muxer.durationMs;
  }

  /**
   * Adds a frame to the pending cluster. Returns a promise only when the frame completed a cluster that is
   * being written: most frames need no I/O, and the recorder's per-frame path then makes no promise.
   */
  add(jpeg: Buffer, capturedAt: number): Promise<void> | undefined {
    const cluster = this.#muxer.add(jpeg, capturedAt);
    return cluster && this.#write(cluster);
  }

  /** Writes the pending cluster now, if there is one: what a crash can lose ends here. */
  async flush(): Promise<void> {
    await this.#writeCluster();
  }

  async finish(): Promise<FinishedSegment> {
    await this.#writeCluster();
    const size = await finalizeSegmentFile(
      this.#handle,
      this.#muxer.layout,
      this.#muxer.cues,
      this.#muxer.durationMs,
      this.#bytes,
    );
    await this.#handle.close();
    await rename(this.path + PART_SUFFIX, this.path);
    return {
      path: this.path,
      startTime: this.startTime,
      endTime: this.startTime + this.#muxer.durationMs,
      bytes: size,
      frames: this.#muxer.frames,
    };
  }

  /** Closes the file as it is, after a write error: the `.part` is repaired later. */
  async abandon(): Promise<void> {
    await this.#handle.close().catch(() => {});
  }

  async #writeCluster(): Promise<void> {
    const cluster = this.#muxer.flush();
    if (cluster) await this.#write(cluster);
  }

  /** Writes `chunks` in order at the end of what is written: one vectored write, no copy into one buffer. */
  async #write(chunks: Buffer[]): Promise<void> {
    // Positioned writes: a short write after ENOSPC never shifts what comes next.
    let rest = chunks;
    let position = this.#bytes;
    let left = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    while (left > 0) {
      const { bytesWritten } = await this.#handle.writev(rest, position);
      position += bytesWritten;
      left -= bytesWritten;
      if (left > 0) rest = dropWritten(rest, bytesWritten);
    }
    this.#bytes = position;
  }
}

/** What is left of `chunks` once their first `bytes` are written. */
function dropWritten(chunks: Buffer[], bytes: number): Buffer[] {
  let skip = bytes;
  let index = 0;
  while (index < chunks.length && skip >= chunks[index]!.length) skip -= chunks[index++]!.length;
  const rest = chunks.slice(index);
  if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  return rest;
}

/**
 * Repairs a `.part` left by a crash: keeps its complete clusters, finalizes it and renames it to its final
 * name. Returns the finished segment, or undefined when it held no complete cluster (then it is removed).
 */
export async function repairPartFile(partPath: string): Promise<FinishedSegment | undefined> {
  const path = partPath.slice(0, -PART_SUFFIX.length);
  const handle = await open(partPath, 'r+');
  let finished: FinishedSegment | undefined;
  try {
    const header = await readSegmentHeader(handle).catch(() => undefined);
    if (header) {
      const { clusters, end } = await scanClusters(handle, header);
      const last = clusters.at(-1);
      if (last) {
        const frames = await readCluster(handle, header, last.position);
        const lastFrame = frames.at(-1)!;
        // The last frame lasts as long as the one before it; a lone frame 1 ms, as the muxer gives it: a
        // Duration of 0 reads as no duration at all to players.
        const interval = frames.length > 1 ? lastFrame.capturedAt - frames.at(-2)!.capturedAt : 1;
        const durationMs = lastFrame.capturedAt - header.startTime + interval;
        let count = 0;
        // Counting frames means reading every cluster once: repair is rare, and this keeps the report exact.
        for (const cluster of clusters) count += (await readCluster(handle, header, cluster.position)).length;
        const bytes = await finalizeSegmentFile(handle, header.layout, clusters, durationMs, end);
        finished = {
          path,
          startTime: header.startTime,
          endTime: header.startTime + durationMs,
          bytes,
          frames: count,
        };
      }
    }
  } finally {
    await handle.close();
  }
  if (finished) await rename(partPath, path);
  else await rm(partPath, { force: true });
  return finished;
}
