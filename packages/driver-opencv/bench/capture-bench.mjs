#!/usr/bin/env node
// pnpm --filter @cam/driver-opencv bench (and the root's `pnpm bench`): frames per second and CPU time
// per frame of the OpenCV driver, at 640x480 and 1280x720, as fast as it can go:
//   - passthrough: an MJPEG file read raw, its JPEG bytes passed on as they are;
//   - re-encode:   the same file with passthrough off, each frame decoded and encoded again (quality 80);
//   - encode:      a raw GStreamer source (videotestsrc, BGR), each frame encoded (quality 80).
// CPU is the whole process's (process.cpuUsage: the event loop, libuv's thread pool and GStreamer's
// threads), so it includes producing the test frames. Max loop lag is the longest the event loop was
// held up beyond a 5 ms timer while frames came (target: under 20 ms; a read or encode on the main thread
// would hold it for a whole frame). About 20 s in all. Skips without the binding.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const SECONDS_PER_RUN = Number(process.env.BENCH_SECONDS ?? 3);
const SIZES = [
  [640, 480],
  [1280, 720],
];

const dist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(dist)) {
  console.log('opencv bench: skipped, dist/ is missing (run `pnpm --filter @cam/driver-opencv build` first)');
  process.exit(0);
}
const { OpenCvCamera, isOpenCvAvailable, loadOpenCv } = await import(dist.href);
const { videoBackends } = await import(new URL('../dist/video-backends.js', import.meta.url).href);

if (!isOpenCvAvailable()) {
  console.log(
    'opencv bench: skipped, the OpenCV binding is not built ' +
      '(`sudo apt install libopencv-dev`, then `pnpm --filter @cam/driver-opencv build:binding`)',
  );
  process.exit(0);
}
const cv = loadOpenCv();
const hasFfmpeg = commandWorks('ffmpeg', ['-version']);
const hasGstreamer = videoBackends(cv).gstreamer;

const dir = mkdtempSync(join(tmpdir(), 'cam-opencv-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const rows = [];
for (const [width, height] of SIZES) {
  const size = `${width}x${height}`;
  if (hasFfmpeg) {
    const file = join(dir, `${size}.avi`);
    execFileSync('ffmpeg', [
      ...['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi'],
      ...['-i', `testsrc2=size=${size}:rate=30`, '-t', '4', '-c:v', 'mjpeg', '-q:v', '5', file],
    ]);
    rows.push(await measure(size, 'passthrough', { source: file, fps: 1000 }));
    rows.push(await measure(size, 're-encode', { source: file, fps: 1000, passthrough: false, quality: 80 }));
  } else {
    console.log('opencv bench: no ffmpeg, so no MJPEG file: passthrough and re-encode rows skipped');
  }
  if (hasGstreamer) {
    const source = `videotestsrc pattern=smpte ! video/x-raw,format=BGR,width=${width},height=${height} ! appsink sync=false`;
    rows.push(await measure(size, 'encode', { source, quality: 80 }));
  } else {
    console.log('opencv bench: OpenCV has no GStreamer: encode rows skipped');
  }
}

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log(
  `\nOpenCV ${cv.version.major}.${cv.version.minor}.${cv.version.revision}, Node ${process.version}, ` +
    `${availableParallelism()} cores (${cpu}), ${SECONDS_PER_RUN} s per row\n`,
);
console.log(
  '| size | path | frames/s | CPU ms/frame | CPU % of one core | JPEG KiB | max loop lag ms (target < 20) |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(
    `| ${row.size} | ${row.path} | ${row.fps.toFixed(0)} | ${row.cpuPerFrame.toFixed(2)} | ` +
      `${row.cpuPercent.toFixed(0)} | ${row.kib.toFixed(0)} | ${row.maxLag.toFixed(1)} |`,
  );
}

/** Reads frames as fast as the camera produces them for SECONDS_PER_RUN; returns rate and CPU cost. */
async function measure(size, path, options) {
  const camera = new OpenCvCamera(options, { idleTimeout: 60_000 });
  const viewer = camera.subscribe('bench');
  try {
    await viewer.next(); // opened and running: measure from here
    const startFrames = camera.state.framesCaptured;
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const startCpu = process.cpuUsage();
    const start = performance.now();
    let bytes = 0;
    let received = 0;
    while (performance.now() - start < SECONDS_PER_RUN * 1000) {
      const frame = await viewer.next();
      bytes += frame.data.length;
      received += 1;
    }
    const elapsed = performance.now() - start;
    const cpu = process.cpuUsage(startCpu);
    lag.disable();
    const frames = camera.state.framesCaptured - startFrames;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const row = {
      size,
      path,
      fps: (frames * 1000) / elapsed,
      cpuPerFrame: cpuMs / frames,
      cpuPercent: (cpuMs / elapsed) * 100,
      kib: bytes / received / 1024,
      maxLag: Math.max(0, lag.max / 1e6 - 5), // ns; beyond the 5 ms resolution
    };
    if (path === 'passthrough' && !camera.actual?.passthrough) throw new Error('passthrough did not engage');
    console.log(
      `opencv bench: ${size} ${path}: ${row.fps.toFixed(0)} frames/s, ${row.cpuPerFrame.toFixed(2)} ms CPU/frame`,
    );
    return row;
  } finally {
    viewer.close();
    await camera.close();
  }
}

function commandWorks(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
