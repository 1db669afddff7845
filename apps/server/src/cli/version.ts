import { readFileSync } from 'node:fs';

/** This package's version, from its package.json (one directory above `dist/`). */
export function serverVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(manifest.version);
}
