#!/usr/bin/env node
// Builds @u4/opencv4nodejs's native binding against the system's OpenCV (Debian: libopencv-dev), with
// its own OpenCV download-and-build disabled: nothing is downloaded. pnpm never runs the package's
// install script (pnpm-workspace.yaml lists it under ignoredBuiltDependencies); this is the one command
// that builds it:
//
//   pnpm --filter @cam/driver-opencv build:binding [--force] [--verbose]
//
// Quick when the binding is already built and loads (it checks, then exits); --force rebuilds anyway.
// Honours OPENCV_INCLUDE_DIR, OPENCV_LIB_DIR, OPENCV_BIN_DIR (an OpenCV elsewhere than pkg-config says)
// and JOBS (parallel compile jobs; default: the number of CPUs).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@u4/opencv4nodejs';
const args = new Set(process.argv.slice(2));
const force = args.has('--force');
const verbose = args.has('--verbose');
for (const arg of args) {
  if (!['--force', '--verbose'].includes(arg)) fail(`unknown argument ${arg} (accepted: --force, --verbose)`);
}

const here = dirname(fileURLToPath(import.meta.url));
const bindingDir = findBindingPackage();
const nodeFile = join(bindingDir, 'build', 'Release', 'opencv4nodejs.node');

if (existsSync(nodeFile)) {
  const loaded = tryLoad();
  if (loaded.ok && !force) {
    console.log(`${PACKAGE}: already built and loads (${loaded.summary}). Use --force to rebuild.`);
    process.exit(0);
  }
  if (!loaded.ok) console.log(`${PACKAGE}: a build exists but does not load, rebuilding (${loaded.error})`);
}

const opencv = locateOpenCv();
requireTools();
const nodedir = localNodeHeaders();
const jobs = process.env.JOBS || String(availableParallelism());

console.log(`${PACKAGE}: building against OpenCV ${opencv.version} (${opencv.includeDir}, ${opencv.libDir})`);
console.log(`  in ${bindingDir}`);
console.log(`  with ${jobs} parallel jobs; this takes about 5 minutes on 2 cores`);
const started = Date.now();
await runNodeGyp();
const loaded = tryLoad();
if (!loaded.ok) fail(`the build finished but the binding does not load: ${loaded.error}`);
const seconds = Math.round((Date.now() - started) / 1000);
console.log(
  `${PACKAGE}: built in ${Math.floor(seconds / 60)} min ${seconds % 60} s and loads (${loaded.summary})`,
);

// ---------------------------------------------------------------------------------------------------

function fail(message) {
  console.error(`build:binding: ${message}`);
  process.exit(1);
}

/** The installed @u4/opencv4nodejs, as this package resolves it. */
function findBindingPackage() {
  const require = createRequire(join(here, '..', 'package.json'));
  let entry;
  try {
    entry = require.resolve(PACKAGE);
  } catch {
    fail(`${PACKAGE} is not installed: run "pnpm install" at the repository root first`);
  }
  for (let dir = dirname(realpathSync(entry)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE) return dir;
  }
  fail(`cannot find the directory of ${PACKAGE} (resolved to ${entry})`);
}

/**
 * Loads the binding in a child process, as the driver does (a failed dlopen must not take this process
 * down), and returns the OpenCV version and video back-ends it reports.
 */
function tryLoad() {
  const probe = `
    process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD = '1';
    const write = process.stdout.write.bind(process.stdout);
    console.log = console.info = console.warn = () => {};
    const cv = require(${JSON.stringify(bindingDir)});
    const info = cv.getBuildInformation();
    const io = info.slice(info.indexOf('Video I/O:'), info.indexOf('Parallel framework:'));
    const backends = ['FFMPEG', 'GStreamer', 'v4l/v4l2'].filter((name) => new RegExp(name + ':\\\\s+YES').test(io));
    write(JSON.stringify({ version: cv.version, backends }));
  `;
  const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) {
    const lines = `${result.stderr}`.split('\n').filter((line) => /Error|error:|cannot/.test(line));
    return { ok: false, error: (lines[0] ?? `exit code ${result.status}`).trim() };
  }
  try {
    const { version, backends } = JSON.parse(result.stdout);
    const backendList = backends.length ? backends.join(', ') : 'none';
    return {
      ok: true,
      summary: `OpenCV ${version.major}.${version.minor}.${version.revision}; video I/O: ${backendList}`,
    };
  } catch {
    return { ok: false, error: `unexpected output: ${result.stdout.slice(0, 200)}` };
  }
}

/** Include and library directories of the system OpenCV: the environment's, or pkg-config's. */
function locateOpenCv() {
  const missing = 'libopencv-dev is not installed: sudo apt install libopencv-dev';
  const pkgConfig = (...flags) => {
    try {
      return execFileSync('pkg-config', [...flags, 'opencv4'], { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  const version = pkgConfig('--modversion');
  const includeDir =
    process.env.OPENCV_INCLUDE_DIR ||
    pkgConfig('--cflags-only-I')
      ?.split(/\s+/)
      .map((flag) => flag.replace(/^-I/, ''))
      .find((dir) => existsSync(join(dir, 'opencv2', 'core.hpp')));
  const libDir = process.env.OPENCV_LIB_DIR || pkgConfig('--variable=libdir');
  if (!includeDir || !libDir) {
    const hasPkgConfig = onPath('pkg-config');
    fail(hasPkgConfig ? missing : `pkg-config is not installed: sudo apt install pkg-config libopencv-dev`);
  }
  if (!existsSync(join(includeDir, 'opencv2', 'core.hpp'))) {
    fail(`no OpenCV headers in ${includeDir} (opencv2/core.hpp): ${missing}`);
  }
  if (!existsSync(join(libDir, 'libopencv_core.so')) && !existsSync(join(libDir, 'libopencv_core.dylib'))) {
    fail(`no libopencv_core in ${libDir}: ${missing}`);
  }
  const binDir = process.env.OPENCV_BIN_DIR || '/usr/bin';
  return { version: version ?? 'of unknown version', includeDir, libDir, binDir };
}

function requireTools() {
  const compiler = ['c++', 'g++', 'clang++'].find(onPath);
  if (!compiler || !onPath('make')) {
    fail('a C++ compiler and make are needed: sudo apt install build-essential');
  }
  if (!['python3', 'python'].some(onPath)) fail('node-gyp needs Python 3: sudo apt install python3');
}

/**
 * Node's own headers, so that node-gyp does not download them: `<prefix>/include/node` of this node
 * when it matches its version (Debian's and NodeSource's packages, official tarballs), or npm's nodedir.
 */
function localNodeHeaders() {
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(realpathSync(process.execPath)))];
  for (const dir of candidates.filter(Boolean)) {
    const header = join(dir, 'include', 'node', 'node_version.h');
    if (!existsSync(header)) continue;
    const text = readFileSync(header, 'utf8');
    const part = (name) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(text)?.[1];
    if (`v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.version) return dir;
  }
  console.log(
    `  no local headers for Node ${process.version} found: node-gyp will download them from nodejs.org`,
  );
  return undefined;
}

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * `node-gyp rebuild` in the binding's directory. Its binding.gyp asks the package's bin/install.js for
 * defines, includes and libraries; with OPENCV4NODEJS_DISABLE_AUTOBUILD=1 that script takes the OpenCV
 * named by OPENCV_INCLUDE_DIR/OPENCV_LIB_DIR instead of downloading and building one.
 */
function runNodeGyp() {
  const bindingRequire = createRequire(join(bindingDir, 'package.json'));
  let nodeGyp;
  try {
    nodeGyp = join(dirname(bindingRequire.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
  } catch {
    fail(`node-gyp (a dependency of ${PACKAGE}) is not installed: run "pnpm install" at the repository root`);
  }
  const gypArgs = [nodeGyp, 'rebuild', '--release', `--jobs=${jobs}`];
  if (nodedir) gypArgs.push(`--nodedir=${nodedir}`);
  const env = {
    ...process.env,
    OPENCV4NODEJS_DISABLE_AUTOBUILD: '1',
    OPENCV_INCLUDE_DIR: opencv.includeDir,
    OPENCV_LIB_DIR: opencv.libDir,
    OPENCV_BIN_DIR: opencv.binDir,
    JOBS: jobs,
  };
  const logFile = join(tmpdir(), 'cam-opencv-binding-build.log');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, gypArgs, {
    cwd: bindingDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = [];
  const total = readFileSync(join(bindingDir, 'binding.gyp'), 'utf8').match(/\.cc"/g)?.length ?? 0;
  let compiled = 0;
  let partial = '';
  const onData = (chunk) => {
    log.write(chunk);
    if (verbose) process.stdout.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      const source = /CXX\(target\) .*?\/opencv4nodejs\/(.+)\.o$/.exec(line)?.[1];
      if (source && !verbose) console.log(`  [${++compiled}/${total}] ${source}.cc`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      log.end();
      if (code === 0) return resolve();
      console.error(tail.join('\n'));
      fail(`node-gyp failed (${signal ?? `exit code ${code}`}); the whole log is in ${logFile}`);
    });
  });
}
