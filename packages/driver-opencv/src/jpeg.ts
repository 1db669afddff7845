// Where a JPEG ends in a device buffer, read without decoding it. (Its size: core's jpegDimensions.)

/** The length of the JPEG up to and including its last end-of-image marker (FF D9); undefined if none. */
export function jpegEnd(data: Buffer): number | undefined {
  const at = data.lastIndexOf(EOI);
  return at < 2 ? undefined : at + 2;
}

const EOI = Buffer.from([0xff, 0xd9]);
