// `pnpm start` (at the repository root or in apps/server): builds what changed, quietly, then runs the
// server in this same process, so that Ctrl-C reaches it directly and its exit code is pnpm's.
import { spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
// turbo is a dependency of this package; pnpm puts it on PATH, `node scripts/start.mjs` alone does not.
const path = [`${serverDir}node_modules/.bin`, process.env.PATH].join(delimiter);

// turbo's banner, task list and summary would bury the server's own first lines: its output is shown
// only when the build fails.
const build = spawnSync(
  'turbo',
  ['run', 'build', '--filter=@cam/server...', '--output-logs=errors-only', '--log-prefix=none'],
  {
    cwd: serverDir,
    encoding: 'utf8',
    env: { ...process.env, PATH: path, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
  },
);
if (build.error) {
  console.error(`cam: cannot run the build (turbo): ${build.error.message}`);
  process.exit(1);
}
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  console.error('cam: the build failed (above); the server was not started');
  process.exit(build.status ?? 1);
}
await import('../dist/main.js');
