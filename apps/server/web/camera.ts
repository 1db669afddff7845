// A camera's page: the live <img> stream (the browser's own MJPEG support), with a per-view rate,
// snapshot download, fullscreen, keyboard shortcuts and the state panel from /api/events.
import { pageConfig, watchStates } from './state.js';
import { type CameraState, describeStatus } from './status.js';
import { startTimeline } from './timeline.js';

const config = pageConfig();
const camera = config.camera!;
const base = `${config.root}cameras/${encodeURIComponent(camera)}`;
const img = document.getElementById('stream') as HTMLImageElement;
const view = document.getElementById('view')!;
const fps = document.getElementById('fps') as HTMLSelectElement;
const snapshot = document.getElementById('snapshot') as HTMLAnchorElement;

const storedRate = sessionStorage.getItem(`cam.fps.${camera}`);
if (storedRate && [...fps.options].some((option) => option.value === storedRate)) {
  fps.value = storedRate;
  img.src = `${base}/stream?fps=${storedRate}`;
}
const liveUrl = () => (fps.value ? `${base}/stream?fps=${fps.value}` : `${base}/stream`);
const timeline = startTimeline({
  base,
  img,
  liveUrl,
  listingUrl: `${config.root}api/cameras/${encodeURIComponent(camera)}/recordings`,
});
fps.addEventListener('change', () => {
  sessionStorage.setItem(`cam.fps.${camera}`, fps.value);
  img.src = liveUrl();
  timeline.showingLive();
});

// Leaving the page ends the stream at once (a browser keeps at most 6 connections per host, and a page
// kept in the back/forward cache would hold this one); coming back from that cache starts it again.
addEventListener('pagehide', () => {
  img.dataset.src = img.src;
  img.removeAttribute('src');
});
addEventListener('pageshow', (event) => {
  if (event.persisted && img.dataset.src) img.src = img.dataset.src;
});

// A fresh snapshot each time, named after the camera and the moment.
snapshot.addEventListener('click', () => {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  snapshot.href = `${base}/snapshot.jpg?t=${Date.now()}`;
  snapshot.download = `${camera}-${stamp}.jpg`;
});

const fullscreen = document.getElementById('fullscreen') as HTMLButtonElement;
const toggleFullscreen = () => {
  if (document.fullscreenElement) void document.exitFullscreen();
  else void view.requestFullscreen?.();
};
fullscreen.addEventListener('click', toggleFullscreen);
if (!document.fullscreenEnabled) fullscreen.hidden = true;

document.addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.target instanceof HTMLSelectElement) return;
  const go = (id: string) => (document.getElementById(id) as HTMLAnchorElement).click();
  if (event.key === 'ArrowLeft') go('previous');
  else if (event.key === 'ArrowRight') go('next');
  else if (event.key === 'Escape' && !document.fullscreenElement) location.href = config.root;
  else if (event.key === 'f' || event.key === 'F') toggleFullscreen();
  else if (event.key === 's' || event.key === 'S') snapshot.click();
});

const status = document.getElementById('status')!;
const reason = document.getElementById('reason')!;
const panel = document.getElementById('state')!;
const viewers = document.querySelector('#viewers tbody')!;

watchStates(config.root, (state: CameraState) => {
  if (state.id !== camera) return;
  const described = describeStatus(state);
  status.textContent = described.label;
  status.dataset.status = described.kind;
  reason.textContent = described.reason;
  view.dataset.status = described.kind;
  const rows: [string, string][] = [
    ['Driver', state.driver],
    ['Resolution', state.resolution ? `${state.resolution.width}×${state.resolution.height}` : '–'],
    ['Camera rate', `${state.fps} fps`],
    ['Frames captured', String(state.framesCaptured)],
    ['Frames skipped', String(state.framesSkipped)],
    ['Last frame', state.lastFrameAt ? new Date(state.lastFrameAt).toLocaleTimeString() : '–'],
  ];
  panel.replaceChildren(...rows.flatMap(([term, value]) => [element('dt', term), element('dd', value)]));
  viewers.replaceChildren(
    ...state.viewers.map((viewer) => {
      const row = document.createElement('tr');
      row.append(
        element('td', `${viewer.address ?? '?'}${viewer.stalled ? ' (stalled)' : ''}`),
        element('td', `${viewer.fps} fps`),
        element('td', String(viewer.framesSent)),
        element('td', String(viewer.framesSkipped)),
      );
      return row;
    }),
  );
});

function element(tag: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}
