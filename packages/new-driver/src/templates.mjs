// @ts-check
// The files of a new driver package, as text. Each driver starts as a working one: a camera that re-reads
// one JPEG file at a steady rate (a file another program keeps updating), so that it streams, passes the
// conformance suite and shows where a real device's code goes.

/**
 * @typedef {object} DriverSpec
 * @property {string} name the driver's name, as in `CAMERA=<name>` and the camera's id: `mycam`
 * @property {string} packageName `@cam/driver-mycam` in this repo, `cam-driver-mycam` outside it
 * @property {boolean} workspace true for a package inside this repo's workspace (packages/driver-<name>)
 * @property {string} coreSpec the `@cam/core` dependency: `workspace:^`, `^0.1.0`, `file:…/cam-core-0.1.0.tgz`
 * @property {string} coreRange the `@cam/core` peer dependency range: `^0.1.0` (`workspace:^` in the repo)
 */

/** `my-cam` → `MyCam`. */
export function pascalCase(/** @type {string} */ name) {
  return name
    .split(/[^a-z0-9]+/i)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Every file of the package, by path.
 * @param {DriverSpec} spec
 * @returns {Record<string, string>}
 */
export function driverFiles(spec) {
  /** @type {Record<string, string>} */
  const files = {
    'package.json': packageJson(spec),
    'tsconfig.json': spec.workspace ? WORKSPACE_TSCONFIG : STANDALONE_TSCONFIG,
    'tsconfig.build.json': spec.workspace ? WORKSPACE_TSCONFIG_BUILD : STANDALONE_TSCONFIG_BUILD,
    'vitest.config.ts': spec.workspace ? WORKSPACE_VITEST : STANDALONE_VITEST,
    'src/index.ts': driverSource(spec),
    'test/conformance.test.ts': conformanceTest(spec),
    'README.md': readme(spec),
  };
  if (!spec.workspace) {
    files['biome.json'] = STANDALONE_BIOME;
    files['.gitignore'] = 'node_modules\ndist\ntest-results.json\n';
  }
  return files;
}

/** @param {DriverSpec} spec */
export function packageJson(spec) {
  const manifest = {
    name: spec.packageName,
    version: '0.1.0',
    description: `cam driver "${spec.name}": re-reads a JPEG file at a steady rate`,
    license: 'MIT',
    type: 'module',
    engines: { node: '>=20' },
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    files: ['dist', 'src', 'README.md'],
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc --noEmit',
      test: 'vitest run',
      lint: 'biome check .',
    },
    // A peer, so that an application (the server) has one copy of @cam/core's classes.
    peerDependencies: { '@cam/core': spec.coreRange },
    devDependencies: {
      '@cam/core': spec.coreSpec,
      ...(spec.workspace ? {} : { '@biomejs/biome': '2.6.8' }),
      '@types/node': '^20.19.0',
      typescript: '~5.9.3',
      vitest: '^4.1.12',
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** @param {DriverSpec} spec */
export function driverSource(spec) {
  const Camera = `${pascalCase(spec.name)}Camera`;
  return `import { readFile } from 'node:fs/promises';
import {
  BaseCamera,
  type CameraDriver,
  CameraError,
  type CameraOptions,
  delay,
  readOptions,
} from '@cam/core';

export interface ${Camera}Options {
  /** The JPEG file to serve: the "device". */
  path: string;
  /** Frames per second. */
  fps: number;
}

/** Re-reads one JPEG file at a steady rate. Replace the body of frames() with your device's code. */
export class ${Camera} extends BaseCamera {
  constructor(
    readonly options: ${Camera}Options,
    camera: CameraOptions = {},
  ) {
    super({ name: '${spec.name}', ...camera });
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    // Open the device here, never in the constructor: the camera opens on the first demand for a frame.
    try {
      for (;;) {
        yield await this.#readFrame(); // a new Buffer for every frame: viewers keep the ones yielded
        await delay(1000 / this.options.fps, signal); // ends at once when the camera stops
      }
    } finally {
      // Release the device here: this runs on idle stop, on close and on failure.
    }
  }

  async #readFrame(): Promise<Buffer> {
    try {
      return await readFile(this.options.path);
    } catch (error) {
      throw new CameraError('DEVICE_NOT_FOUND', \`cannot read \${this.options.path}\`, {
        camera: this.name,
        cause: error,
      });
    }
  }
}

/** What the server loads (\`CAMERA=<this package>\`): options arrive as strings from the environment. */
export const driver: CameraDriver<${Camera}Options> = {
  name: '${spec.name}',
  description: 're-reads a JPEG file at a steady rate',
  parseOptions(raw) {
    const read = readOptions(raw, '${spec.name}');
    const path = read.string('path', { accepts: 'the path of a JPEG file' });
    const fps = read.number('fps', { default: 1, min: 0.1, max: 60 });
    read.done(); // refuses an option it did not read, such as a misspelt "fsp"
    if (path === undefined) throw read.invalid('path', 'the path of a JPEG file');
    return { path, fps };
  },
  createCamera: (options, camera) => new ${Camera}(options, camera),
};
`;
}

/** @param {DriverSpec} spec */
export function conformanceTest(spec) {
  return `import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceSuite, testJpeg } from '@cam/core/testing';
import { describe, test } from 'vitest';
import { driver } from '../src/index.js';

// The "device": a JPEG file. Options are strings, as the server passes them from CAMERA_<OPTION>.
const path = join(mkdtempSync(join(tmpdir(), 'cam-driver-${spec.name}-')), 'frame.jpg');
writeFileSync(path, testJpeg(1));

runConformanceSuite({
  test,
  describe,
  driver,
  options: { path, fps: '20' },
  supports: { deviceError: { options: { path: '/nonexistent/frame.jpg' }, code: 'DEVICE_NOT_FOUND' } },
});
`;
}

/** @param {DriverSpec} spec */
function readme(spec) {
  return `# ${spec.packageName}

A cam camera driver: \`${spec.name}\`. It re-reads one JPEG file at a steady rate; replace
\`frames()\` in \`src/index.ts\` with your device's code.

\`\`\`sh
pnpm install
pnpm build && pnpm test   # the conformance suite of @cam/core/testing
\`\`\`

With the cam server, point \`CAMERA\` at this directory; options are \`CAMERA_<OPTION>\` variables:

\`\`\`sh
CAMERA=/path/to/${spec.packageName.replace(/^@cam\//, '')} CAMERA_PATH=/tmp/frame.jpg CAMERA_FPS=5 node apps/server/dist/main.js
\`\`\`

The camera's id (in URLs, logs and metrics) is the driver's name, \`${spec.name}\`.

## Options

| option | env (server) | default | accepts |
| --- | --- | --- | --- |
| \`path\` | \`CAMERA_PATH\` | (required) | the path of a JPEG file; a file that cannot be read fails the camera with \`DEVICE_NOT_FOUND\` |
| \`fps\` | \`CAMERA_FPS\` | \`1\` | frames per second, from 0.1 to 60 |
`;
}

const WORKSPACE_TSCONFIG = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true, "allowImportingTsExtensions": true },
  "include": ["src", "test", "vitest.config.ts"]
}
`;

const WORKSPACE_TSCONFIG_BUILD = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist" },
  "include": ["src"]
}
`;

const WORKSPACE_VITEST = `import { sharedTestConfig } from '../../vitest.shared.ts';

export default sharedTestConfig;
`;

const STANDALONE_TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "noImplicitOverride": true,
    "declaration": true,
    "sourceMap": true,
    "skipLibCheck": true,
    "verbatimModuleSyntax": true,
    "types": ["node"],
    "noEmit": true
  },
  "include": ["src", "test", "vitest.config.ts"]
}
`;

const STANDALONE_TSCONFIG_BUILD = `{
  "extends": "./tsconfig.json",
  "compilerOptions": { "noEmit": false, "rootDir": "src", "outDir": "dist" },
  "include": ["src"]
}
`;

const STANDALONE_VITEST = `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
`;

const STANDALONE_BIOME = `{
  "files": { "includes": ["**", "!**/dist", "!**/node_modules", "!**/test-results.json", "!**/*.md"] },
  "formatter": { "indentStyle": "space", "indentWidth": 2, "lineWidth": 110 },
  "javascript": { "formatter": { "quoteStyle": "single" } },
  "linter": { "enabled": true, "rules": { "preset": "recommended" } }
}
`;
