// The few EBML (Matroska's binary XML) encodings a V_MJPEG file needs: element IDs, variable-size integers,
// and elements of unsigned integers, floats, strings and binary data. Reading is in mkv-reader.ts.

/** Matroska element IDs, written with their length-marker bits as they appear in a file. */
export const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Seek: 0x4dbb,
  SeekID: 0x53ab,
  SeekPosition: 0x53ac,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  Duration: 0x4489,
  DateUTC: 0x4461,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecID: 0x86,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  Cues: 0x1c53bb6b,
  CuePoint: 0xbb,
  CueTime: 0xb3,
  CueTrackPositions: 0xb7,
  CueTrack: 0xf7,
  CueClusterPosition: 0xf1,
  Void: 0xec,
} as const;

/** The 8-byte size that means "unknown": a Segment being written, whose end is not known yet. */
export const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** Milliseconds between the Unix epoch and Matroska's DateUTC origin, 2001-01-01T00:00:00Z. */
export const MATROSKA_EPOCH_MS = Date.UTC(2001, 0, 1);

export function encodeId(id: number): Buffer {
  const length = id >= 0x1000000 ? 4 : id >= 0x10000 ? 3 : id >= 0x100 ? 2 : 1;
  const out = Buffer.alloc(length);
  out.writeUIntBE(id, 0, length);
  return out;
}

/** An element size as an EBML variable-size integer; `width` forces a length (for fields patched later). */
export function encodeSize(size: number, width?: number): Buffer {
  const length = width ?? sizeLength(size);
  if (length > 8 || size >= 2 ** (7 * length) - 1) throw new RangeError(`EBML size ${size} does not fit`);
  const out = Buffer.alloc(length);
  writeSize(out, 0, size, length);
  return out;
}

/** The bytes {@link encodeSize} takes for `size` (all ones is reserved: it means unknown). */
export function sizeLength(size: number): number {
  let length = 1;
  while (size >= 2 ** (7 * length) - 1) length += 1;
  return length;
}

/** Writes `size` as a `length`-byte EBML size at `offset` (a checked `length`: see {@link encodeSize}). */
export function writeSize(target: Buffer, offset: number, size: number, length: number): void {
  writeUint(target, offset, length, size);
  target[offset] = target[offset]! | (0x80 >> (length - 1));
}

export function element(id: number, ...payload: Buffer[]): Buffer {
  const data = Buffer.concat(payload);
  return Buffer.concat([encodeId(id), encodeSize(data.length), data]);
}

/** An unsigned integer element; `width` gives it a fixed length so that it can be rewritten in place. */
export function uintElement(id: number, value: number, width?: number): Buffer {
  let length = width ?? 1;
  if (width === undefined) while (value >= 2 ** (8 * length)) length += 1;
  const data = Buffer.alloc(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i -= 1) {
    data[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return element(id, data);
}

export function intElement(id: number, value: bigint): Buffer {
  const data = Buffer.alloc(8);
  data.writeBigInt64BE(value);
  return element(id, data);
}

export function floatElement(id: number, value: number): Buffer {
  const data = Buffer.alloc(8);
  data.writeDoubleBE(value);
  return element(id, data);
}

export function stringElement(id: number, value: string): Buffer {
  return element(id, Buffer.from(value, 'utf8'));
}

export function writeUint(target: Buffer, offset: number, width: number, value: number): void {
  let rest = value;
  for (let i = width - 1; i >= 0; i -= 1) {
    target[offset + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}
