import type { FileHandle } from 'node:fs/promises';
import { ID, MATROSKA_EPOCH_MS } from './ebml.js';
import type { CuePoint, SegmentLayout } from './mkv-muxer.js';

// Reads back what mkv-muxer.ts writes (and any file of that shape): headers, cues and single clusters,
// each with a small positioned read, so that seeking never scans a file.

interface ElementHeader {
  id: number;
  /** Data size, or undefined for "unknown" (a segment still being written). */
  size: number | undefined;
  /** Bytes of ID and size. */
  headerLength: number;
}

/** A recorded frame read back from a file. */
export interface RecordedFrame {
  /** `Date.now()` time at capture. */
  capturedAt: number;
  data: Buffer;
}

/** What a segment file's header says, and where its clusters are. */
export interface SegmentHeader {
  layout: SegmentLayout;
  /** Segment start, `Date.now()` time (DateUTC). */
  startTime: number;
  durationMs: number;
  /** Offset (from the segment data start) of the Cues, when the file was finalized; else undefined. */
  cuesPosition: number | undefined;
  /** True when the Segment has a known size (finalized). */
  finalized: boolean;
  fileSize: number;
}

function readVint(
  buffer: Buffer,
  offset: number,
  keepMarker: boolean,
): { value: number; length: number; allOnes: boolean } | undefined {
  const first = buffer[offset];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (offset + length > buffer.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i += 1) {
    const byte = buffer[offset + i]!;
    value = value * 256 + byte;
    if (byte !== 0xff) allOnes = false;
  }
  return { value, length, allOnes };
}

function parseHeader(buffer: Buffer, offset: number): ElementHeader | undefined {
  const id = readVint(buffer, offset, true);
  if (!id) return undefined;
  const size = readVint(buffer, offset + id.length, false);
  if (!size) return undefined;
  return { id: id.value, size: size.allOnes ? undefined : size.value, headerLength: id.length + size.length };
}

function readUint(buffer: Buffer, offset: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i += 1) value = value * 256 + buffer[offset + i]!;
  return value;
}

/** The children of a master element's data, as [id, dataOffset, size] within `buffer`. */
function* children(buffer: Buffer, start = 0, end = buffer.length): Generator<[number, number, number]> {
  let offset = start;
  while (offset < end) {
    const header = parseHeader(buffer, offset);
    if (!header || header.size === undefined) return;
    const dataOffset = offset + header.headerLength;
    if (dataOffset + header.size > end) return;
    yield [header.id, dataOffset, header.size];
    offset = dataOffset + header.size;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** Reads the element header at `position`, or undefined past the end of the file or on garbage. */
async function headerAt(handle: FileHandle, position: number): Promise<ElementHeader | undefined> {
  return parseHeader(await readAt(handle, position, 12), 0);
}

/** Reads the EBML header, the SeekHead and Info of a segment file: a few hundred bytes. */
export async function readSegmentHeader(handle: FileHandle): Promise<SegmentHeader> {
  const fileSize = (await handle.stat()).size;
  const head = await readAt(handle, 0, 4096);
  const ebml = parseHeader(head, 0);
  if (!ebml || ebml.id !== ID.EBML || ebml.size === undefined) throw new Error('not a Matroska file');
  const segmentOffset = ebml.headerLength + ebml.size;
  const segment = parseHeader(head, segmentOffset);
  if (!segment || segment.id !== ID.Segment) throw new Error('no Segment after the EBML header');
  const dataStart = segmentOffset + segment.headerLength;
  let startTime: number | undefined;
  let durationMs = 0;
  let durationOffset: number | undefined;
  let cuesPosition: number | undefined;
  let cuesSeekOffset: number | undefined;
  for (const [id, offset, size] of children(head, dataStart)) {
    if (id === ID.SeekHead) {
      for (const [seekId, seekOffset, seekSize] of children(head, offset, offset + size)) {
        if (seekId === ID.Void) cuesSeekOffset ??= seekOffset - 2;
        if (seekId !== ID.Seek) continue;
        let target = 0;
        let position = 0;
        for (const [fieldId, fieldOffset, fieldSize] of children(head, seekOffset, seekOffset + seekSize)) {
          if (fieldId === ID.SeekID) target = readUint(head, fieldOffset, fieldSize);
          if (fieldId === ID.SeekPosition) position = readUint(head, fieldOffset, fieldSize);
        }
        if (target === ID.Cues) {
          cuesPosition = position;
          cuesSeekOffset = seekOffset - 2;
        }
      }
    } else if (id === ID.Info) {
      for (const [fieldId, fieldOffset, fieldSize] of children(head, offset, offset + size)) {
        if (fieldId === ID.Duration && fieldSize === 8) {
          durationMs = head.readDoubleBE(fieldOffset);
          durationOffset = fieldOffset;
        }
        if (fieldId === ID.DateUTC && fieldSize === 8) {
          startTime = Number(head.readBigInt64BE(fieldOffset) / 1_000_000n) + MATROSKA_EPOCH_MS;
        }
      }
    } else if (id === ID.Cluster) break;
  }
  if (startTime === undefined || durationOffset === undefined || cuesSeekOffset === undefined) {
    throw new Error('segment header lacks DateUTC, Duration or a SeekHead slot for the Cues');
  }
  return {
    layout: { segmentSizeOffset: segmentOffset + 4, dataStart, durationOffset, cuesSeekOffset },
    startTime,
    durationMs,
    cuesPosition,
    finalized: segment.size !== undefined,
    fileSize,
  };
}

/** The Cues of a finalized segment: one cue point per cluster. */
export async function readCues(handle: FileHandle, header: SegmentHeader): Promise<CuePoint[]> {
  if (header.cuesPosition === undefined) return scanClusters(handle, header).then((scan) => scan.clusters);
  const position = header.layout.dataStart + header.cuesPosition;
  const cuesHeader = await headerAt(handle, position);
  if (!cuesHeader || cuesHeader.id !== ID.Cues || cuesHeader.size === undefined)
    throw new Error('Cues not found');
  const data = await readAt(handle, position + cuesHeader.headerLength, cuesHeader.size);
  const cues: CuePoint[] = [];
  for (const [id, offset, size] of children(data)) {
    if (id !== ID.CuePoint) continue;
    const cue: CuePoint = { time: 0, position: 0 };
    for (const [fieldId, fieldOffset, fieldSize] of children(data, offset, offset + size)) {
      if (fieldId === ID.CueTime) cue.time = readUint(data, fieldOffset, fieldSize);
      if (fieldId === ID.CueTrackPositions) {
        for (const [posId, posOffset, posSize] of children(data, fieldOffset, fieldOffset + fieldSize)) {
          if (posId === ID.CueClusterPosition) cue.position = readUint(data, posOffset, posSize);
        }
      }
    }
    cues.push(cue);
  }
  return cues;
}

/**
 * Walks the top-level elements after the header by their headers alone (one small read each) and lists
 * the clusters that are complete: how an unfinished file is read and repaired. `end` is where the last
 * complete cluster ends.
 */
export async function scanClusters(
  handle: FileHandle,
  header: SegmentHeader,
): Promise<{ clusters: CuePoint[]; end: number }> {
  const { dataStart } = header.layout;
  const clusters: CuePoint[] = [];
  let offset = dataStart;
  let end = dataStart;
  for (;;) {
    const element = await headerAt(handle, offset);
    if (!element || element.size === undefined) break;
    const next = offset + element.headerLength + element.size;
    if (next > header.fileSize) break;
    if (element.id === ID.Cluster) {
      const first = await readAt(handle, offset + element.headerLength, 12);
      const timestamp = [...children(first)].find(([id]) => id === ID.Timestamp);
      if (!timestamp) break;
      clusters.push({ time: readUint(first, timestamp[1], timestamp[2]), position: offset - dataStart });
      end = next;
    } else if (element.id === ID.Cues) break;
    else if (clusters.length === 0) end = next;
    offset = next;
  }
  return { clusters, end };
}

/** The frames of the cluster at `position` (from the segment data start), with absolute capture times. */
export async function readCluster(
  handle: FileHandle,
  header: SegmentHeader,
  position: number,
): Promise<RecordedFrame[]> {
  const offset = header.layout.dataStart + position;
  const element = await headerAt(handle, offset);
  if (!element || element.id !== ID.Cluster || element.size === undefined)
    throw new Error(`no cluster at ${position}`);
  const data = await readAt(handle, offset + element.headerLength, element.size);
  let clusterTime = 0;
  const frames: RecordedFrame[] = [];
  for (const [id, dataOffset, size] of children(data)) {
    if (id === ID.Timestamp) clusterTime = readUint(data, dataOffset, size);
    if (id === ID.SimpleBlock) {
      const track = readVint(data, dataOffset, false);
      if (!track) continue;
      const relative = data.readInt16BE(dataOffset + track.length);
      const frameStart = dataOffset + track.length + 3;
      frames.push({
        capturedAt: header.startTime + clusterTime + relative,
        data: data.subarray(frameStart, dataOffset + size),
      });
    }
  }
  return frames;
}
