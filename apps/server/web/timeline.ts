// A camera page's timeline: a range input over what the camera has recorded (or keeps in memory) that
// switches the <img> to `stream?at=<time>` (the server plays from there up to the moment it was asked, then joins live), a rewind of
// 10 s, pause (the frame at that moment, `snapshot.jpg?at=`) and play again from there, and back to live. Shown only when the camera has something to play back.

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
  const shown = document.getElementById('position') as HTMLOutputElement;
  const live = document.getElementById('live') as HTMLButtonElement;
  const rewind = document.getElementById('rewind') as HTMLButtonElement;
  const pause = document.getElementById('pause') as HTMLButtonElement;
  /** Where playback started, ms, and when (page clock); undefined while live. */
  let playingFrom: number | undefined;
  let startedAt = 0;
  /** The time shown while paused, ms. */
  let pausedAt: number | undefined;
  /** The time the view shows now: live is now; playback at speed 1 advances with the clock. */
  const position = () =>
    pausedAt ?? (playingFrom === undefined ? Date.now() : playingFrom + (Date.now() - startedAt));

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
    startedAt = Date.now();
    pausedAt = undefined;
    img.src = `${base}/stream?at=${encodeURIComponent(new Date(time).toISOString())}`;
    scrubber.value = String(Math.round(time / 1000));
    shown.value = `from ${new Date(time).toLocaleTimeString()}`;
    live.disabled = false;
    pause.textContent = 'Pause';
    timeline.dataset.mode = 'playback';
  };
  const showingLive = () => {
    playingFrom = undefined;
    pausedAt = undefined;
    shown.value = 'live';
    live.disabled = true;
    pause.textContent = 'Pause';
    scrubber.value = scrubber.max;
    timeline.dataset.mode = 'live';
  };
  const pauseAt = (time: number) => {
    pausedAt = time;
    img.src = `${base}/snapshot.jpg?at=${encodeURIComponent(new Date(time).toISOString())}`;
    shown.value = `paused at ${new Date(time).toLocaleTimeString()}`;
    live.disabled = false;
    pause.textContent = 'Play';
    timeline.dataset.mode = 'paused';
  };

  scrubber.addEventListener('change', () => playFrom(Number(scrubber.value) * 1000));
  rewind.addEventListener('click', () => {
    const from = (pausedAt ?? playingFrom ?? Date.now()) - 10_000;
    playFrom(Math.max(from, Number(scrubber.min) * 1000));
  });
  pause.addEventListener('click', () => {
    if (pausedAt === undefined) pauseAt(Math.round(position()));
    else playFrom(pausedAt);
  });
  live.addEventListener('click', () => {
    img.src = options.liveUrl();
    showingLive();
  });

  showingLive();
  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
  // At speed 1 the server plays the past up to the moment it was asked for, then goes on live in the same
  // stream: once the view's position reaches that moment, it is live (gaps in the recording play shorter,
  // so the server may get there a little earlier).
  setInterval(() => {
    if (playingFrom !== undefined && pausedAt === undefined && position() >= startedAt) showingLive();
  }, 1000);
  return { showingLive };
}
