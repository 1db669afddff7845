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

/** The server's events, re-connecting by themselves (EventSource does) after a drop. */
export function watchStates(root: string, onState: (state: CameraState) => void): EventSource {
  const events = new EventSource(`${root}api/events`);
  events.addEventListener('state', (event) => onState(JSON.parse((event as MessageEvent<string>).data)));
  return events;
}
