/**
 * The web app's two pages, rendered on the server so that they show something useful before (and
 * without) their script: the home grid of every camera, and one camera in full. The scripts and the
 * stylesheet are the bundled, content-hashed files of `web/` ({@link WebAssets}); both pages read their
 * settings from a JSON script element, never from inline code.
 */

/** The bundled files of the web app, by entry (`home`, `camera`, `style`); undefined when not built. */
export type AssetFiles = Readonly<Record<string, string>> | undefined;

const NOT_BUILT =
  '<p class="notice">The web app is not built: run <code>pnpm build</code>. The streams work without it.</p>';

/** The user a page is for, when users are configured: the page shows the name and a logout button. */
export interface Account {
  name: string;
  /** Where the logout form posts, from the site root (`/logout`). */
  logoutPath: string;
}

/** `/`: a tile per camera, each a link to the camera's page; the script makes the tiles live. */
export function homePage(cameraIds: readonly string[], assets: AssetFiles, account?: Account): string {
  const tiles = cameraIds
    .map(
      (id) => `    <a class="tile" href="cameras/${encodeURIComponent(id)}" data-camera="${escapeHtml(id)}">
      <canvas width="640" height="480" aria-hidden="true"></canvas>
      <span class="name">${escapeHtml(id)}</span>
      <span class="status" data-status="unknown">…</span>
      <span class="figures"></span>
      <span class="reason"></span>
    </a>`,
    )
    .join('\n');
  return document({
    title: 'cam',
    root: '',
    assets,
    script: 'home',
    account,
    config: { cameras: cameraIds },
    body: `  <header><h1>cam</h1><span class="summary">${cameraIds.length} camera${cameraIds.length === 1 ? '' : 's'}</span></header>
  <main class="grid" id="grid">
${tiles}
  </main>`,
  });
}

/** `/cameras/:id`: the camera's live `<img>` stream, its controls and its state. */
export function cameraPage(
  id: string,
  cameraIds: readonly string[],
  assets: AssetFiles,
  account?: Account,
): string {
  const index = cameraIds.indexOf(id);
  const previous = cameraIds[(index - 1 + cameraIds.length) % cameraIds.length]!;
  const next = cameraIds[(index + 1) % cameraIds.length]!;
  const path = `../cameras/${encodeURIComponent(id)}`;
  return document({
    title: `cam: ${id}`,
    root: '../',
    assets,
    script: 'camera',
    account,
    config: { camera: id, cameras: cameraIds },
    body: `  <header>
    <a class="home" href="../" title="All cameras (Escape)">◀ All cameras</a>
    <h1>${escapeHtml(id)}</h1>
    <span class="status" id="status" data-status="unknown">…</span>
  </header>
  <main class="camera">
    <figure class="view" id="view">
      <img id="stream" src="${path}/stream" alt="Live video of ${escapeHtml(id)}">
      <figcaption class="reason" id="reason"></figcaption>
    </figure>
    <nav class="controls" aria-label="View">
      <a href="${encodeURIComponent(previous)}" id="previous" title="Previous camera (←)">←</a>
      <label>Rate <select id="fps">
        <option value="">camera's</option>
        <option value="15">15 fps</option>
        <option value="5">5 fps</option>
        <option value="1">1 fps</option>
      </select></label>
      <a href="${path}/snapshot.jpg" id="snapshot" download="${escapeHtml(id)}.jpg" title="Snapshot (S)">Snapshot</a>
      <button type="button" id="fullscreen" title="Fullscreen (F)">Fullscreen</button>
      <a href="${encodeURIComponent(next)}" id="next" title="Next camera (→)">→</a>
    </nav>
    <div class="timeline" id="timeline" hidden>
      <input type="range" id="scrubber" min="0" max="0" step="1" aria-label="Play from a recorded time">
      <output id="position" for="scrubber">live</output>
      <button type="button" id="rewind" title="Play from 10 s earlier">−10 s</button>
      <button type="button" id="pause" title="Pause on the frame shown, or play on from it">Pause</button>
      <button type="button" id="live" title="Back to the live view" disabled>Live</button>
    </div>
    <section class="state" aria-label="State">
      <dl id="state"></dl>
      <table id="viewers"><caption>Viewers</caption><thead><tr><th>Client</th><th>Rate</th><th>Sent</th><th>Skipped</th></tr></thead><tbody></tbody></table>
    </section>
  </main>`,
  });
}

interface PageParts {
  title: string;
  /** The way from this page's URL to the site root, for relative links (a proxy may add a prefix). */
  root: string;
  assets: AssetFiles;
  script: string;
  account: Account | undefined;
  config: unknown;
  body: string;
}

function document(page: PageParts): string {
  const style = page.assets?.style;
  const script = page.assets?.[page.script];
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(page.title)}</title>
${style ? `  <link rel="stylesheet" href="${page.root}${style}">` : ''}
${script ? `  <script type="module" src="${page.root}${script}"></script>` : ''}
  <script type="application/json" id="cam-config">${jsonForHtml({ ...(page.config as object), root: page.root })}</script>
</head>
<body>
${page.assets ? '' : NOT_BUILT}
${page.account ? accountForm(page.account, page.root) : ''}
${page.body}
</body>
</html>
`;
}

/**
 * Who is logged in, and the logout button: a plain form (no script), posted relative to the site root
 * so that it works behind a proxy's path prefix. Logging out also ends the page's streams.
 */
function accountForm(account: Account, root: string): string {
  const action = `${root}${account.logoutPath.replace(/^\//, '')}`;
  return `  <form class="account" method="post" action="${escapeHtml(action)}"><span class="user">${escapeHtml(account.name)}</span> <button type="submit" id="logout">Log out</button></form>`;
}

/** JSON safe inside a `<script>` element: no `</script>` or `<!--` can end it early. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
