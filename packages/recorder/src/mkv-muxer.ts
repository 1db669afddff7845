import {
  element,
  encodeId,
  encodeSize,
  floatElement,
  ID,
  intElement,
  MATROSKA_EPOCH_MS,
  stringElement,
  UNKNOWN_SIZE,
  uintElement,
} from './ebml.js';

export interface MuxerOptions {
  width: number;
  height: number;
  /** `Date.now()` time of the segment's first frame: timestamps in the file count from it, in ms. */
  startTime: number;
  /** A cluster ends once it spans this many ms; it is the unit of seeking and of crash loss. Default 1000. */
  clusterMs?: number;
  /** Known up front (a streamed export): written in the header, since a stream cannot be patched later. */
  durationMs?: number;
}

/** Where the header's patchable fields are, so that a file can be finalized (or repaired) in place. */
export interface SegmentLayout {
  /** Offset of the Segment's 8-byte size field. */
  segmentSizeOffset: number;
  /** Offset of the Segment's data: every position inside a Matroska file counts from here. */
  dataStart: number;
  /** Offset of the Info Duration's 8-byte float. */
  durationOffset: number;
  /** Offset of the Void reserved in the SeekHead for the Cues entry. */
  cuesSeekOffset: number;
}

export interface CuePoint {
  /** Cluster timestamp, ms from the segment start. */
  time: number;
  /** Cluster offset from the segment data start. */
  position: number;
}

const MUXER = 'cam @cam/recorder';
/** A SimpleBlock timestamp is a signed 16-bit offset from its cluster's. */
const MAX_BLOCK_OFFSET = 32_000;
const CUES_SEEK_ENTRY_SIZE = 21;

/** The Seek entry pointing at the Cues, the same size as the Void it replaces. */
export function cuesSeekEntry(cuesPosition: number): Buffer {
  const entry = element(
    ID.Seek,
    element(ID.SeekID, encodeId(ID.Cues)),
    uintElement(ID.SeekPosition, cuesPosition, 8),
  );
  if (entry.length !== CUES_SEEK_ENTRY_SIZE) throw new Error('cues seek entry size changed');
  return entry;
}

export function cuesElement(cues: readonly CuePoint[]): Buffer {
  return element(
    ID.Cues,
    ...cues.map((cue) =>
      element(
        ID.CuePoint,
        uintElement(ID.CueTime, cue.time),
        element(
          ID.CueTrackPositions,
          uintElement(ID.CueTrack, 1),
          uintElement(ID.CueClusterPosition, cue.position),
        ),
      ),
    ),
  );
}

/** The largest SimpleBlock a 4-byte EBML size holds (all ones is reserved: it means unknown). */
const MAX_BLOCK_SIZE = 2 ** 28 - 2;

/** A SimpleBlock's ID, 4-byte size and block head (track, timestamp offset, flags). */
const BLOCK_HEAD_BYTES = 9;

/**
 * Writes a SimpleBlock's ID, size and block head (track 1, `offset` ms from its cluster, keyframe) at
 * `at`. The size always takes 4 bytes (EBML allows a longer size than needed): a fixed layout.
 */
function writeSimpleBlockHead(target: Buffer, at: number, frameBytes: number, offset: number): void {
  target[at] = ID.SimpleBlock;
  target.writeUInt32BE(0x10000000 + 4 + frameBytes, at + 1); // 0x1 marks a 4-byte size
  target[at + 5] = 0x81; // track 1
  target.writeInt16BE(offset, at + 6);
  target[at + 8] = 0x80; // keyframe
}

/**
 * Turns frames into the bytes of one Matroska file with a single V_MJPEG track. It does no I/O: it hands
 * back a header, then each cluster once it is complete (so that what reaches the disk is always whole
 * clusters), then the Cues. Every frame is a keyframe, so every cluster starts with one and gets a cue.
 */
export class MatroskaMuxer {
  readonly startTime: number;
  readonly #options: MuxerOptions;
  readonly #clusterMs: number;
  readonly #cues: CuePoint[] = [];
  #layout: SegmentLayout | undefined;
  /** Bytes handed out so far: the file offset of whatever comes next. */
  #position = 0;
  /** The pending cluster's frames, and each one's ms from the cluster's timestamp. */
  #pending: Buffer[] = [];
  #pendingOffsets: number[] = [];
  #pendingBytes = 0;
  #clusterTime = 0;
  #lastTime = -1;
  #lastInterval = 0;
  #frames = 0;

  constructor(options: MuxerOptions) {
    this.#options = options;
    this.startTime = options.startTime;
    this.#clusterMs = options.clusterMs ?? 1000;
  }

  get layout(): SegmentLayout {
    if (!this.#layout) throw new Error('header() has not been called');
    return this.#layout;
  }

  get cues(): readonly CuePoint[] {
    return this.#cues;
  }

  get frames(): number {
    return this.#frames;
  }

  /** ms from the first frame to the end of the last (its length taken as the interval before it). */
  get durationMs(): number {
    // A lone frame has no interval to go by: 1 ms keeps the duration non-zero, which players need.
    return this.#lastTime < 0 ? 0 : this.#lastTime + Math.max(this.#lastInterval, this.#frames > 1 ? 0 : 1);
  }

  header(): Buffer {
    const { width, height, startTime, durationMs } = this.#options;
    const ebml = element(
      ID.EBML,
      uintElement(ID.EBMLVersion, 1),
      uintElement(ID.EBMLReadVersion, 1),
      uintElement(ID.EBMLMaxIDLength, 4),
      uintElement(ID.EBMLMaxSizeLength, 8),
      stringElement(ID.DocType, 'matroska'),
      uintElement(ID.DocTypeVersion, 4),
      uintElement(ID.DocTypeReadVersion, 2),
    );
    const segmentHead = Buffer.concat([encodeId(ID.Segment), UNKNOWN_SIZE]);
    const dataStart = ebml.length + segmentHead.length;

    const durationField = floatElement(ID.Duration, durationMs ?? 0);
    const info = element(
      ID.Info,
      uintElement(ID.TimestampScale, 1_000_000),
      durationField,
      intElement(ID.DateUTC, BigInt(Math.round(startTime - MATROSKA_EPOCH_MS)) * 1_000_000n),
      stringElement(ID.MuxingApp, MUXER),
      stringElement(ID.WritingApp, MUXER),
    );
    const tracks = element(
      ID.Tracks,
      element(
        ID.TrackEntry,
        uintElement(ID.TrackNumber, 1),
        uintElement(ID.TrackUID, 1),
        uintElement(ID.TrackType, 1),
        uintElement(ID.FlagLacing, 0),
        stringElement(ID.CodecID, 'V_MJPEG'),
        element(ID.Video, uintElement(ID.PixelWidth, width), uintElement(ID.PixelHeight, height)),
      ),
    );
    // The SeekHead's own size is fixed (positions are 8-byte fields), so it can be built once its length is known.
    const seekHead = (infoPos: number, tracksPos: number) =>
      element(
        ID.SeekHead,
        element(ID.Seek, element(ID.SeekID, encodeId(ID.Info)), uintElement(ID.SeekPosition, infoPos, 8)),
        element(ID.Seek, element(ID.SeekID, encodeId(ID.Tracks)), uintElement(ID.SeekPosition, tracksPos, 8)),
        Buffer.concat([
          encodeId(ID.Void),
          encodeSize(CUES_SEEK_ENTRY_SIZE - 2),
          Buffer.alloc(CUES_SEEK_ENTRY_SIZE - 2),
        ]),
      );
    const seekHeadLength = seekHead(0, 0).length;
    const head = seekHead(seekHeadLength, seekHeadLength + info.length);
    const bytes = Buffer.concat([ebml, segmentHead, head, info, tracks]);
    this.#layout = {
      segmentSizeOffset: ebml.length + 4,
      dataStart,
      // Duration's data sits after its 2-byte ID and 1-byte size, inside Info after Info's ID and size.
      durationOffset: bytes.indexOf(durationField, dataStart + head.length) + 3,
      cuesSeekOffset: dataStart + head.length - CUES_SEEK_ENTRY_SIZE,
    };
    this.#position = bytes.length;
    return bytes;
  }

  /**
   * Adds a frame; returns the cluster it completed, if it starts a new one. A cluster comes as chunks to
   * write in order (its head, then each frame's block head and the frame itself), so that a second of
   * frames reaches the disk with one vectored write and is never copied into one buffer. A frame only
   * joins a list here: its block head is made with the others' when the cluster is complete.
   */
  add(jpeg: Buffer, capturedAt: number): Buffer[] | undefined {
    if (jpeg.length + 4 > MAX_BLOCK_SIZE)
      throw new RangeError(`a frame of ${jpeg.length} bytes does not fit a SimpleBlock`);
    // Each frame strictly after the one ahead of it in the file: clocks can step back, and two frames can be
    // captured in the same millisecond. Equal timestamps are legal Matroska, but players and muxers (ffmpeg's
    // "non monotonically increasing dts") treat them as an error or drop one of the frames.
    const time = Math.max(Math.round(capturedAt - this.startTime), this.#lastTime + 1);
    let completed: Buffer[] | undefined;
    if (
      this.#pending.length > 0 &&
      (time - this.#clusterTime >= this.#clusterMs || time - this.#clusterTime > MAX_BLOCK_OFFSET)
    ) {
      completed = this.flush();
    }
    if (this.#pending.length === 0) this.#clusterTime = time;
    this.#pending.push(jpeg);
    this.#pendingOffsets.push(time - this.#clusterTime);
    this.#pendingBytes += BLOCK_HEAD_BYTES + jpeg.length;
    if (this.#lastTime >= 0) this.#lastInterval = time - this.#lastTime;
    this.#lastTime = time;
    this.#frames += 1;
    return completed;
  }

  /** Ends the pending cluster, if any, and returns its bytes as chunks to write in order. */
  flush(): Buffer[] | undefined {
    if (this.#pending.length === 0) return undefined;
    const timestamp = uintElement(ID.Timestamp, this.#clusterTime);
    const head = Buffer.concat([
      encodeId(ID.Cluster),
      encodeSize(timestamp.length + this.#pendingBytes),
      timestamp,
    ]);
    // Every block head of the cluster in one buffer: one allocation per cluster, not one per frame.
    const frames = this.#pending;
    const blockHeads = Buffer.allocUnsafe(BLOCK_HEAD_BYTES * frames.length);
    const cluster: Buffer[] = [head];
    for (let index = 0; index < frames.length; index += 1) {
      const at = index * BLOCK_HEAD_BYTES;
      const frame = frames[index]!;
      writeSimpleBlockHead(blockHeads, at, frame.length, this.#pendingOffsets[index]!);
      cluster.push(blockHeads.subarray(at, at + BLOCK_HEAD_BYTES), frame);
    }
    this.#cues.push({ time: this.#clusterTime, position: this.#position - this.layout.dataStart });
    this.#position += head.length + this.#pendingBytes;
    this.#pending = [];
    this.#pendingOffsets = [];
    this.#pendingBytes = 0;
    return cluster;
  }

  /** The Cues element for a streamed file (a file on disk is finalized by `finalizeSegmentFile`). */
  trailer(): Buffer {
    return cuesElement(this.#cues);
  }
}
