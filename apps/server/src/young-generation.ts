import { setFlagsFromString } from 'node:v8';

/** V8 settings that size the young generation; when the user gave any of them, theirs stand. */
const YOUNG_GENERATION_FLAGS = /--(?:max-|min-)?semi-space-size|--semi-space-growth-factor/;

/**
 * Stops V8's young generation from growing any further: called once the server's modules are loaded, it
 * holds the nursery at the size loading them left it (4 MiB per semi-space on Node 20), instead of letting
 * it grow under load to 16 MiB per semi-space.
 *
 * What a camera server allocates is almost all short-lived (a write request per frame per viewer, the
 * frame itself for a few intervals), so a bigger nursery buys almost nothing, while on a Raspberry Pi the
 * 30 MiB it grows to under load is a third of the process. `pnpm bench` measures both sides: RSS at 500
 * viewers and CPU per delivered frame (apps/bench/README.md). V8 reads the growth factor each time it
 * considers growing the nursery, so setting it as the server starts takes effect; a user who sizes the
 * young generation in NODE_OPTIONS or on node's command line keeps their setting.
 *
 * Returns whether it applied the setting.
 */
export function keepYoungGenerationSmall(
  execArgv: readonly string[] = process.execArgv,
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: node's own settings, read once at start; nothing turbo caches
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): boolean {
  if (YOUNG_GENERATION_FLAGS.test(`${execArgv.join(' ')} ${nodeOptions}`)) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
