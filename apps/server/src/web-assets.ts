import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import type { RequestHandler } from 'express';

/** Where `scripts/build-web.mjs` writes the bundled web app (from src/ and from dist/ alike). */
const WEB_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** The bundled web app: its hashed file names, and the handler serving them under `/assets/`. */
export interface WebAssets {
  /** The file of each entry (`home`, `camera`, `style`), relative to the site root; undefined if unbuilt. */
  readonly files: Readonly<Record<string, string>> | undefined;
  /**
   * Serves `/assets/*` with express's static handler (express is loaded only once a route of its own is
   * asked for): names carry a content hash, so browsers may keep them for a year.
   */
  handler(serveStatic: typeof express.static): RequestHandler;
}

export function loadWebAssets(dir = WEB_DIR): WebAssets {
  const manifest = `${dir}manifest.json`;
  const files = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>)
    : undefined;
  const handler = (serveStatic: typeof express.static) =>
    serveStatic(`${dir}assets`, { immutable: true, maxAge: '365d', index: false, fallthrough: true });
  return { files, handler };
}
