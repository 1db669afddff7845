/** The page at `/`: the live stream, as in the original's index.html. */
export function indexPage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>
    body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #111; color: #ddd;
           font: 16px system-ui, sans-serif; }
    main { text-align: center; }
    img { max-width: 100vw; max-height: 90vh; background: #222; }
  </style>
</head>
<body>
  <main>
    <h1>${escapeHtml(title)}</h1>
    <img id="stream" src="video_feed" alt="Live video">
  </main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
