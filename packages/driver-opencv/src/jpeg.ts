// Two facts read from JPEG bytes without decoding them.

/** The length of the JPEG up to and including its last end-of-image marker (FF D9); undefined if none. */
export function jpegEnd(data: Buffer): number | undefined {
  const at = data.lastIndexOf(EOI);
  return at < 2 ? undefined : at + 2;
}

const EOI = Buffer.from([0xff, 0xd9]);

/** Width and height from the start-of-frame segment, or undefined when there is none. */
export function jpegSize(data: Buffer): { width: number; height: number } | undefined {
  let at = 2; // after SOI
  while (at + 9 < data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame's size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or the end, without a frame header
    at += 2 + data.readUInt16BE(at + 2);
  }
  return undefined;
}
