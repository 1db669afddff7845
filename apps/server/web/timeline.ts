// A camera page's timeline: a range input over what the camera has recorded (or keeps in memory) that
// switches the <img> to `stream?at=<time>` (the server plays from there, then joins live), a rewind of
// 10 s, and a button back to live. Shown only when the camera has something to play back.

interface RecordingsListing {
  span: { from: string; to: string } | null;
}

/** How often the recorded span is refreshed: it grows as the camera records. */
const REFRESH_MS = 5000;

export function startTimeline(options: {
  base: string;
  img: HTMLImageElement;
  /** The live stream's URL (with the page's chosen rate). */
  liveUrl: () => string;
  /** The recordings listing's URL. */
  listingUrl: string;
}): { showingLive(): void } {
  const { base, img } = options;
  const timeline = document.getElementById('timeline') as HTMLElement;
  const scrubber = document.getElementById('scrubber') as HTMLInputElement;
  const position = document.getElementById('position') as HTMLOutputElement;
  const live = document.getElementById('live') as HTMLButtonElement;
  const rewind = document.getElementById('rewind') as HTMLButtonElement;
  /** Where playback started, ms; undefined while live. */
  let playingFrom: number | undefined;

  const refresh = async () => {
    try {
      const res = await fetch(options.listingUrl, { cache: 'no-store' });
      const listing = (await res.json()) as RecordingsListing;
      if (!listing.span) return;
      timeline.hidden = false;
      // Seconds: a range input's step is 1; the newest end is "now" for the scrubber.
      scrubber.min = String(Math.floor(Date.parse(listing.span.from) / 1000));
      scrubber.max = String(Math.ceil(Date.parse(listing.span.to) / 1000));
      if (playingFrom === undefined) scrubber.value = scrubber.max;
    } catch {
      // The next refresh tries again.
    }
  };

  const playFrom = (time: number) => {
    playingFrom = time;
    img.src = `${base}/stream?at=${encodeURIComponent(new Date(time).toISOString())}`;
    scrubber.value = String(Math.round(time / 1000));
    position.value = `from ${new Date(time).toLocaleTimeString()}`;
    live.disabled = false;
    timeline.dataset.mode = 'playback';
  };
  const showingLive = () => {
    playingFrom = undefined;
    position.value = 'live';
    live.disabled = true;
    scrubber.value = scrubber.max;
    timeline.dataset.mode = 'live';
  };

  scrubber.addEventListener('change', () => playFrom(Number(scrubber.value) * 1000));
  rewind.addEventListener('click', () => {
    const from = (playingFrom ?? Date.now()) - 10_000;
    playFrom(Math.max(from, Number(scrubber.min) * 1000));
  });
  live.addEventListener('click', () => {
    img.src = options.liveUrl();
    showingLive();
  });

  showingLive();
  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
  return { showingLive };
}
