import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { jpegDimensions } from '@cam/core';
import { type CuePoint, MatroskaMuxer } from './mkv-muxer.js';
import {
  type RecordedFrame,
  readCluster,
  readCues,
  readSegmentHeader,
  type SegmentHeader,
  scanClusters,
} from './mkv-reader.js';
import { pace } from './pace.js';
import { listSegmentFiles } from './segment-names.js';

/** A recorded span: one segment file. */
export interface RecordedSegment {
  path: string;
  startTime: number;
  endTime: number;
  bytes: number;
  /** True for the segment being written (a `.part` file). */
  recording: boolean;
}

export interface Gap {
  startTime: number;
  endTime: number;
}

export interface RecordingListing {
  segments: RecordedSegment[];
  /** Spans inside the asked range with no recording. */
  gaps: Gap[];
}

export interface RecordingIndexOptions {
  /** A pause longer than this between two segments is a gap, ms. Default 1000. */
  gapMs?: number;
  /** The segment being written, from `Recorder.currentSegment`: read as far as it is flushed. */
  live?: () => { path: string; startTime: number } | undefined;
}

export interface PlaybackOptions {
  /** Play this many times faster (0.5 is half speed). Default 1. */
  speed?: number;
  /** Stop at this time (inclusive). */
  to?: number;
  signal?: AbortSignal;
}

interface Candidate {
  path: string;
  startTime: number;
  bytes: number;
  recording: boolean;
}

interface OpenSegment {
  header: SegmentHeader;
  cues: CuePoint[];
}

/**
 * What is recorded for one camera, and reading it back: listing by time, frames from any time at their
 * original pace, the frame nearest a time, and export of a range. Seeks go through each segment's cues
 * (loaded when a segment is first read, then kept), so a lookup costs a few small reads whatever the length
 * of the recordings.
 */
export class RecordingIndex {
  readonly cameraDir: string;
  readonly #gapMs: number;
  readonly #live: RecordingIndexOptions['live'];
  /** Headers and cues of finished segments, by path: they never change once finished. */
  readonly #finished = new Map<string, Promise<OpenSegment>>();

  constructor(cameraDir: string, options: RecordingIndexOptions = {}) {
    this.cameraDir = cameraDir;
    this.#gapMs = options.gapMs ?? 1000;
    this.#live = options.live;
  }

  /** The segments that overlap `[from, to]`, and the gaps between them. */
  async list(from: number, to: number): Promise<RecordingListing> {
    const segments: RecordedSegment[] = [];
    for (const candidate of await this.#candidates()) {
      if (candidate.startTime > to) break;
      const segment = await this.#describe(candidate);
      if (segment && segment.endTime >= from) segments.push(segment);
    }
    const gaps: Gap[] = [];
    let covered = from;
    for (const segment of segments) {
      if (segment.startTime - covered > this.#gapMs)
        gaps.push({ startTime: covered, endTime: segment.startTime });
      covered = Math.max(covered, segment.endTime);
    }
    if (to - covered > this.#gapMs) gaps.push({ startTime: covered, endTime: to });
    return { segments, gaps };
  }

  /**
   * Recorded frames from `from` on, in capture order, as fast as they can be read. Follows a segment
   * being written up to its last flushed cluster, and ends when it has caught up with the recording.
   */
  async *frames(from: number, options: { to?: number } = {}): AsyncGenerator<RecordedFrame> {
    const to = options.to ?? Number.POSITIVE_INFINITY;
    let next = from;
    for (;;) {
      let yielded = false;
      const candidates = await this.#candidates();
      for (const [i, candidate] of candidates.entries()) {
        const following = candidates[i + 1];
        if (following && following.startTime <= next) continue; // ends before `next`
        if (candidate.startTime > to) return;
        for await (const frame of this.#framesOf(candidate, next)) {
          if (frame.capturedAt > to) return;
          yield frame;
          yielded = true;
          next = frame.capturedAt + 1;
        }
      }
      // Another pass picks up clusters and segments written meanwhile; none means it has caught up.
      if (!yielded) return;
    }
  }

  /** {@link frames} at their original pace (times `speed`): what a `?at=-30s` stream sends. */
  async *framesFrom(time: number, options: PlaybackOptions = {}): AsyncGenerator<RecordedFrame> {
    yield* pace(this.frames(time, options), options.speed, options.signal);
  }

  /** The recorded frame captured nearest `time`, or undefined when nothing is recorded. */
  async frameAt(time: number): Promise<RecordedFrame | undefined> {
    const before = await this.#lastAtOrBefore(time);
    const after = await firstOf(this.frames(time));
    const candidates = [before, after].filter((f) => f !== undefined);
    candidates.sort((a, b) => Math.abs(a.capturedAt - time) - Math.abs(b.capturedAt - time));
    return candidates[0];
  }

  /**
   * The frames captured in `[from, to]` as one Matroska file, streamed as it is read (no re-encoding, no
   * temporary file). Fails with code `NO_RECORDING` when the range holds no frame.
   */
  export(from: number, to: number): Readable {
    return Readable.from(this.#exportChunks(from, to), { objectMode: false });
  }

  async *#exportChunks(from: number, to: number): AsyncGenerator<Buffer> {
    const first = await firstOf(this.frames(from, { to }));
    const last = await this.#lastAtOrBefore(to);
    if (!first || !last || last.capturedAt < first.capturedAt) {
      const error: NodeJS.ErrnoException = new Error(
        `no recording between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`,
      );
      error.code = 'NO_RECORDING';
      throw error;
    }
    const muxer = new MatroskaMuxer({
      ...(jpegDimensions(first.data) ?? { width: 0, height: 0 }),
      startTime: first.capturedAt,
      durationMs: last.capturedAt - first.capturedAt,
    });
    yield muxer.header();
    for await (const frame of this.frames(first.capturedAt, { to: last.capturedAt })) {
      const cluster = muxer.add(frame.data, frame.capturedAt);
      if (cluster) yield Buffer.concat(cluster);
    }
    const cluster = muxer.flush();
    if (cluster) yield Buffer.concat(cluster);
    yield muxer.trailer();
  }

  async #lastAtOrBefore(time: number): Promise<RecordedFrame | undefined> {
    const candidates = (await this.#candidates()).filter((c) => c.startTime <= time);
    for (const candidate of candidates.reverse()) {
      const frames = await this.#withSegment(candidate, async (handle, segment) => {
        if (segment.cues.length === 0) return []; // a segment just begun: no cluster written yet
        const index = lastCueAtOrBefore(segment.cues, time - segment.header.startTime);
        // The cluster at the cue may start after a frame at `time`; the one before holds it then.
        for (let i = Math.max(index, 0); i >= 0; i -= 1) {
          const found = (await readCluster(handle, segment.header, segment.cues[i]!.position)).filter(
            (frame) => frame.capturedAt <= time,
          );
          if (found.length > 0) return found;
        }
        return [];
      });
      const last = frames?.at(-1);
      if (last) return last;
    }
    return undefined;
  }

  async *#framesOf(candidate: Candidate, from: number): AsyncGenerator<RecordedFrame> {
    let handle: FileHandle;
    try {
      handle = await open(candidate.path, 'r');
    } catch {
      return; // deleted by retention, or renamed from .part since it was listed: the next pass sees it
    }
    try {
      const segment = await this.#load(handle, candidate);
      const start = Math.max(lastCueAtOrBefore(segment.cues, from - segment.header.startTime), 0);
      for (const cue of segment.cues.slice(start)) {
        for (const frame of await readCluster(handle, segment.header, cue.position)) {
          if (frame.capturedAt >= from) yield frame;
        }
      }
    } finally {
      await handle.close();
    }
  }

  async #withSegment<T>(
    candidate: Candidate,
    read: (handle: FileHandle, segment: OpenSegment) => Promise<T>,
  ): Promise<T | undefined> {
    const handle = await open(candidate.path, 'r').catch(() => undefined);
    if (!handle) return undefined;
    try {
      return await read(handle, await this.#load(handle, candidate));
    } finally {
      await handle.close();
    }
  }

  async #load(handle: FileHandle, candidate: Candidate): Promise<OpenSegment> {
    if (candidate.recording) {
      // Still growing: its clusters are found from their headers, without Cues.
      const header = await readSegmentHeader(handle);
      return { header, cues: (await scanClusters(handle, header)).clusters };
    }
    let loaded = this.#finished.get(candidate.path);
    if (!loaded) {
      loaded = (async () => {
        const header = await readSegmentHeader(handle);
        return { header, cues: await readCues(handle, header) };
      })();
      this.#finished.set(candidate.path, loaded);
      loaded.catch(() => this.#finished.delete(candidate.path));
    }
    return loaded;
  }

  async #describe(candidate: Candidate): Promise<RecordedSegment | undefined> {
    return this.#withSegment(candidate, async (handle, segment) => {
      let durationMs = segment.header.durationMs;
      if (candidate.recording) {
        const last = segment.cues.at(-1);
        const frames = last ? await readCluster(handle, segment.header, last.position) : [];
        durationMs = (frames.at(-1)?.capturedAt ?? segment.header.startTime) - segment.header.startTime;
      }
      return {
        path: candidate.path,
        startTime: segment.header.startTime,
        endTime: segment.header.startTime + durationMs,
        bytes: candidate.bytes,
        recording: candidate.recording,
      };
    }).catch(() => undefined);
  }

  async #candidates(): Promise<Candidate[]> {
    const finished: Candidate[] = (await listSegmentFiles(this.cameraDir)).map((entry) => ({
      ...entry,
      recording: false,
    }));
    const known = new Set(finished.map((entry) => entry.path));
    for (const path of this.#finished.keys()) if (!known.has(path)) this.#finished.delete(path);
    const live = this.#live?.();
    if (live) finished.push({ path: live.path, startTime: live.startTime, bytes: 0, recording: true });
    return finished.sort((a, b) => a.startTime - b.startTime);
  }
}

/** Index of the last cue at or before `time` (ms from the segment start); -1 when all are after it. */
function lastCueAtOrBefore(cues: readonly CuePoint[], time: number): number {
  let low = 0;
  let high = cues.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (cues[middle]!.time <= time) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** The first item of `iterator`, which is then closed: its `finally` releases what it holds (a file handle). */
async function firstOf<T>(iterator: AsyncGenerator<T>): Promise<T | undefined> {
  try {
    const first = await iterator.next();
    return first.done ? undefined : first.value;
  } finally {
    await iterator.return(undefined);
  }
}
