// The page's settings and the server's state events.
import type { CameraState } from './status.js';

/** The page's settings, from its `<script id="cam-config">`. */
export interface PageConfig {
  cameras: string[];
  camera?: string;
  /** The way from the page to the site root. */
  root: string;
}

export function pageConfig(): PageConfig {
  return JSON.parse(document.getElementById('cam-config')!.textContent!) as PageConfig;
}

/**
 * The server's events, re-connecting by themselves (EventSource does) after a drop. Closed when the page
 * is left: a browser keeps at most 6 connections per host, and a page kept in the back/forward cache
 * would otherwise hold one; opened again if the page is shown from that cache.
 */
export function watchStates(root: string, onState: (state: CameraState) => void): void {
  let events: EventSource | undefined;
  const open = () => {
    events = new EventSource(`${root}api/events`);
    events.addEventListener('state', (event) => onState(JSON.parse((event as MessageEvent<string>).data)));
  };
  open();
  addEventListener('pagehide', () => events?.close());
  addEventListener('pageshow', (event) => {
    if (event.persisted) open();
  });
}
