// Renders the emulated camera's default frames, frames/1.jpg, 2.jpg and 3.jpg: a large seven-segment
// digit on a background whose colour differs per frame (so a test can tell frames apart by one pixel).
// The digits are drawn as SVG polygons, not text, so the output does not depend on installed fonts.
// Run with `pnpm --filter @cam/driver-emulated render-frames`; the JPEGs are checked in.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const WIDTH = 640;
const HEIGHT = 480;
const BACKGROUNDS = { 1: '#b03a2e', 2: '#1e8449', 3: '#2e4053' };
const DIGIT_SEGMENTS = { 1: 'bc', 2: 'abged', 3: 'abgcd' };

// Segment rectangles [x, y, width, height] in a 160 x 280 box.
const SEGMENTS = {
  a: [20, 0, 120, 24],
  b: [136, 20, 24, 110],
  c: [136, 150, 24, 110],
  d: [20, 256, 120, 24],
  e: [0, 150, 24, 110],
  f: [0, 20, 24, 110],
  g: [20, 128, 120, 24],
};

function svgFor(digit) {
  const rects = [...DIGIT_SEGMENTS[digit]]
    .map((name) => {
      const [x, y, w, h] = SEGMENTS[name];
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="10" fill="#ffffff"/>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
  <rect width="100%" height="100%" fill="${BACKGROUNDS[digit]}"/>
  <rect x="16" y="16" width="${WIDTH - 32}" height="${HEIGHT - 32}" fill="none" stroke="#ffffff" stroke-width="4" opacity="0.5"/>
  <g transform="translate(${(WIDTH - 160) / 2} ${(HEIGHT - 280) / 2})">${rects}</g>
</svg>`;
}

const outDir = fileURLToPath(new URL('../frames/', import.meta.url));
await mkdir(outDir, { recursive: true });
for (const digit of [1, 2, 3]) {
  const file = `${outDir}${digit}.jpg`;
  await sharp(Buffer.from(svgFor(digit)))
    .jpeg({ quality: 85, mozjpeg: true })
    .toFile(file);
  console.log(`wrote ${file}`);
}
