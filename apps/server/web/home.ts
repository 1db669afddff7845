// The home page: a live tile per camera. Frames come over one WebSocket (FrameChannel) for the tiles on
// screen in a visible tab, at the tile rate chosen in the header; state comes from /api/events.
import { FrameChannel } from './frame-channel.js';
import { pageConfig, watchStates } from './state.js';
import { type CameraState, describeStatus } from './status.js';

const TILE_RATES = [1, 5, 15, 0];
const DEFAULT_TILE_RATE = 5;

const config = pageConfig();
const tiles = new Map<string, HTMLElement>();
for (const tile of document.querySelectorAll<HTMLElement>('.tile[data-camera]')) {
  tiles.set(tile.dataset.camera!, tile);
}

const tileRate = createRateChoice();
const visible = new Set<string>();

const channel = new FrameChannel(config.root, async (camera, jpeg) => {
  const canvas = tiles.get(camera)?.querySelector('canvas');
  if (!canvas) return;
  const bitmap = await createImageBitmap(jpeg);
  if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
  }
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  bitmap.close();
  canvas.dataset.painted = String(Date.now()); // for people debugging, and for the tests
});

/** Only the tiles on screen, and none in a hidden tab, receive frames. */
function updateWatched(): void {
  const wanted: Record<string, number> = {};
  if (document.visibilityState === 'visible') for (const id of visible) wanted[id] = tileRate();
  channel.watch(wanted);
}

const onScreen = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const id = (entry.target as HTMLElement).dataset.camera!;
    if (entry.isIntersecting) visible.add(id);
    else visible.delete(id);
  }
  updateWatched();
});
for (const tile of tiles.values()) onScreen.observe(tile);
document.addEventListener('visibilitychange', updateWatched);

watchStates(config.root, (state: CameraState) => {
  const tile = tiles.get(state.id);
  if (!tile) return;
  const status = describeStatus(state);
  const badge = tile.querySelector<HTMLElement>('.status')!;
  badge.textContent = status.label;
  badge.dataset.status = status.kind;
  tile.dataset.status = status.kind;
  tile.querySelector('.reason')!.textContent = status.reason;
  const viewers = state.viewers.length;
  tile.querySelector('.figures')!.textContent =
    state.status === 'running' ? `${state.fps} fps · ${viewers} viewer${viewers === 1 ? '' : 's'}` : '';
});

// Arrow keys move between tiles as they are laid out; Enter opens one (it is a link).
document.addEventListener('keydown', (event) => {
  const order = [...tiles.values()];
  const current = order.indexOf(document.activeElement as HTMLElement);
  if (!['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(event.key)) return;
  if (current < 0 && document.activeElement !== document.body) return; // e.g. the rate choice has the keys
  event.preventDefault();
  if (current < 0) return order[0]?.focus();
  const top = order[current]!.offsetTop;
  const columns = order.filter((tile) => tile.offsetTop === top).length || 1;
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns }[event.key]!;
  order[Math.min(order.length - 1, Math.max(0, current + step))]!.focus();
});

/** The tile rate choice in the header, remembered in this browser. */
function createRateChoice(): () => number {
  const stored = Number(localStorage.getItem('cam.tileFps') ?? DEFAULT_TILE_RATE);
  let rate = TILE_RATES.includes(stored) ? stored : DEFAULT_TILE_RATE;
  const select = document.createElement('select');
  select.id = 'tile-fps';
  select.title = 'Tile rate';
  for (const value of TILE_RATES)
    select.add(new Option(value ? `${value} fps` : "camera's rate", String(value)));
  select.value = String(rate);
  select.addEventListener('change', () => {
    rate = Number(select.value);
    localStorage.setItem('cam.tileFps', select.value);
    updateWatched();
  });
  const label = document.createElement('label');
  label.append('Tiles ', select);
  document.querySelector('header')!.append(label);
  return () => rate;
}
