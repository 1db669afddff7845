import type { Frame } from '@cam/core';
import { testJpeg, testJpegNumber } from '@cam/core/testing';
import { describe, expect, test } from 'vitest';
import { MjpegParseError, MjpegParser, type MjpegPart } from '../src/client.js';
import { CLOSE_DELIMITER, FIRST_DELIMITER, PART_END, partHeader } from '../src/multipart.js';

const jpegs = [testJpeg(1), testJpeg(2, 300), testJpeg(3)];

/** The stream as cam writes it: first delimiter, then header, JPEG and delimiter per frame, then close. */
function camStream(frames: readonly Buffer[], close = true): Buffer {
  const chunks: Buffer[] = [FIRST_DELIMITER];
  frames.forEach((data, i) => {
    const frame: Frame = { seq: i + 1, data, capturedAt: 0 };
    chunks.push(partHeader(frame), data, PART_END);
  });
  if (close) chunks.push(CLOSE_DELIMITER);
  return Buffer.concat(chunks);
}

/** One part written by hand, delimiter first, as most multipart writers do. */
function classicPart(
  body: Buffer,
  headers = `Content-Type: image/jpeg\r\nContent-Length: ${body.length}`,
): Buffer {
  return Buffer.concat([Buffer.from(`--frame\r\n${headers}\r\n\r\n`), body, Buffer.from('\r\n')]);
}

function parseAll(chunks: readonly Buffer[], parser = new MjpegParser()): MjpegPart[] {
  return chunks.flatMap((chunk) => parser.push(chunk));
}

function expectFrames(parts: MjpegPart[], expected: readonly Buffer[]): void {
  expect(parts.map((part) => testJpegNumber(part.body))).toEqual(
    expected.map((jpeg) => testJpegNumber(jpeg)),
  );
  parts.forEach((part, i) => {
    expect(part.body.equals(expected[i]!)).toBe(true);
    expect(part.headers).toEqual({
      'content-type': 'image/jpeg',
      'content-length': String(expected[i]!.length),
    });
  });
}

describe('MjpegParser', () => {
  test("parses cam's stream split in two at every byte offset", () => {
    const stream = camStream(jpegs);
    for (let at = 0; at <= stream.length; at++) {
      const parser = new MjpegParser();
      const parts = parseAll([stream.subarray(0, at), stream.subarray(at)], parser);
      expectFrames(parts, jpegs);
      expect(parser.closed).toBe(true);
      expect(parser.pendingBytes).toBe(0);
    }
  });

  test('parses a stream fed one byte at a time, each part returned as soon as its last byte arrives', () => {
    const stream = camStream(jpegs, false);
    const parser = new MjpegParser();
    const completedAt: number[] = [];
    const parts: MjpegPart[] = [];
    for (let at = 0; at < stream.length; at++) {
      const got = parser.push(stream.subarray(at, at + 1));
      if (got.length) completedAt.push(at);
      parts.push(...got);
    }
    expectFrames(parts, jpegs);
    expect(parser.closed).toBe(false);
    // Part n completes with the CR LF right after its bytes: the first two bytes of its delimiter.
    let end = FIRST_DELIMITER.length;
    const expectedAt = jpegs.map((jpeg, i) => {
      end += partHeader({ seq: i + 1, data: jpeg, capturedAt: 0 }).length + jpeg.length;
      const at = end + 1;
      end += PART_END.length;
      return at;
    });
    expect(completedAt).toEqual(expectedAt);
  });

  test('parses the delimiter-first layout too, with the close delimiter after a body', () => {
    const stream = Buffer.concat([...jpegs.map((jpeg) => classicPart(jpeg)), Buffer.from('--frame--\r\n')]);
    for (let at = 0; at <= stream.length; at += 7) {
      const parser = new MjpegParser();
      expectFrames(parseAll([stream.subarray(0, at), stream.subarray(at)], parser), jpegs);
      expect(parser.closed).toBe(true);
    }
  });

  test('recognises the close delimiter where cam writes it, after the delimiter that ends a part', () => {
    const parser = new MjpegParser();
    const stream = camStream(jpegs.slice(0, 1));
    const beforeClose = stream.length - CLOSE_DELIMITER.length;
    expectFrames(parser.push(stream.subarray(0, beforeClose)), jpegs.slice(0, 1));
    expect(parser.closed).toBe(false);
    expect(parser.push(stream.subarray(beforeClose))).toEqual([]);
    expect(parser.closed).toBe(true);
    // A stream closed before any frame.
    const empty = new MjpegParser();
    empty.push(Buffer.from('--frame\r\n--frame--\r\n'));
    expect(empty.closed).toBe(true);
  });

  test('rejects bytes after the close delimiter, in the same chunk or a later one', () => {
    expect(() => new MjpegParser().push(Buffer.concat([camStream(jpegs), Buffer.from('x')]))).toThrow(
      MjpegParseError,
    );
    const parser = new MjpegParser();
    parser.push(camStream(jpegs));
    expect(() => parser.push(Buffer.from('--frame\r\n'))).toThrow(/after the close delimiter/);
  });

  test('without copy, parts are views of the pushed chunks, and the same parts at every split', () => {
    const stream = camStream(jpegs);
    for (let at = 0; at <= stream.length; at += 3) {
      const parser = new MjpegParser({ copy: false });
      expectFrames(parseAll([stream.subarray(0, at), stream.subarray(at)], parser), jpegs);
      expect(parser.closed).toBe(true);
    }
    // A split inside each body: that body arrives in two pieces, both views of the chunks pushed.
    for (const jpeg of jpegs) {
      const at = stream.indexOf(jpeg) + 10;
      // Buffer.alloc: memory of their own (Buffer.from may share a pool between small buffers).
      const own = (bytes: Buffer) => Buffer.alloc(bytes.length, bytes);
      const chunks = [own(stream.subarray(0, at)), own(stream.subarray(at))];
      const parts = parseAll(chunks, new MjpegParser({ copy: false }));
      expectFrames(parts, jpegs);
      const split = parts.find((part) => part.pieces!.length === 2)!;
      expect(split.body.equals(jpeg)).toBe(true);
      for (const piece of split.pieces!)
        expect(chunks.some((chunk) => chunk.buffer === piece.buffer)).toBe(true);
    }
  });

  test('copies each body by default, so that it outlives the chunks pushed', () => {
    const chunk = Buffer.from(camStream(jpegs));
    const parts = new MjpegParser().push(chunk);
    chunk.fill(0);
    expectFrames(parts, jpegs);
    expect(parts[0]!.pieces).toBeUndefined();
  });

  test('honours another boundary', () => {
    const parser = new MjpegParser('other');
    const body = jpegs[0]!;
    const stream = Buffer.from(
      `--other\r\nContent-Type: image/jpeg\r\nContent-Length: ${body.length}\r\n\r\n${body.toString('latin1')}\r\n--other--\r\n`,
      'latin1',
    );
    expectFrames(parser.push(stream), [body]);
    expect(parser.closed).toBe(true);
    expect(() => new MjpegParser('other').push(camStream(jpegs))).toThrow(MjpegParseError);
  });

  describe('rejects malformed input with MjpegParseError', () => {
    const body = jpegs[0]!;
    const cases: Array<[string, Buffer]> = [
      [
        'a Content-Length one short',
        classicPart(body, `Content-Type: image/jpeg\r\nContent-Length: ${body.length - 1}`),
      ],
      [
        'a Content-Length one long',
        Buffer.concat([
          classicPart(body, `Content-Type: image/jpeg\r\nContent-Length: ${body.length + 1}`),
          Buffer.from('--frame\r\n'),
        ]),
      ],
      [
        'a Content-Length far too long',
        Buffer.concat([
          classicPart(body, `Content-Type: image/jpeg\r\nContent-Length: ${body.length + 100}`),
          classicPart(jpegs[2]!),
        ]),
      ],
      [
        'a Content-Length that is not a number',
        classicPart(body, 'Content-Type: image/jpeg\r\nContent-Length: ten'),
      ],
      ['a negative Content-Length', classicPart(body, 'Content-Type: image/jpeg\r\nContent-Length: -1')],
      ['no Content-Length', classicPart(body, 'Content-Type: image/jpeg')],
      [
        'a body not followed by CRLF',
        Buffer.concat([
          Buffer.from(`--frame\r\nContent-Length: ${body.length}\r\n\r\n`),
          body,
          Buffer.from('--frame\r\n'),
        ]),
      ],
      [
        'a body followed by LF only',
        Buffer.concat([
          Buffer.from(`--frame\r\nContent-Length: ${body.length}\r\n\r\n`),
          body,
          Buffer.from('\n--frame\r\n'),
        ]),
      ],
      ['a delimiter with another boundary', classicPart(body).subarray(0).fill('x', 2, 7)],
      [
        'a delimiter with trailing characters',
        Buffer.concat([Buffer.from('--frames'), classicPart(body).subarray(7)]),
      ],
      ['a delimiter without its dashes', classicPart(body).subarray(2)],
      [
        'a header line without a colon',
        classicPart(body, `Content-Type image/jpeg\r\nContent-Length: ${body.length}`),
      ],
      ['a header line that never ends', Buffer.from(`--frame\r\nX-Long: ${'a'.repeat(5000)}`)],
    ];
    test.each(cases)('%s', (_name, stream) => {
      expect(() => new MjpegParser().push(stream)).toThrow(MjpegParseError);
      // Fed byte by byte, the parser notices the same fault.
      const parser = new MjpegParser();
      expect(() => {
        for (let at = 0; at < stream.length; at++) parser.push(stream.subarray(at, at + 1));
      }).toThrow(MjpegParseError);
    });

    test('a wrong Content-Length is caught at every split of the stream', () => {
      const bad = Buffer.concat([
        classicPart(jpegs[0]!),
        classicPart(jpegs[1]!, `Content-Type: image/jpeg\r\nContent-Length: ${jpegs[1]!.length - 2}`),
        classicPart(jpegs[2]!),
      ]);
      for (let at = 0; at <= bad.length; at++) {
        const parser = new MjpegParser();
        const parts: MjpegPart[] = [];
        expect(() => {
          for (const chunk of [bad.subarray(0, at), bad.subarray(at)]) parts.push(...parser.push(chunk));
        }).toThrow(/not followed by CRLF/);
        expect(parts.length).toBeLessThanOrEqual(1); // only the good first part
      }
    });
  });
});
