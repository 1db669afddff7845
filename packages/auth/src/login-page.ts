// The login page: one form, no script, no external assets, one inline style block allowed by its hash
// in the page's CSP. Works without JavaScript.

export const LOGIN_STYLE = `
body { font: 16px system-ui, sans-serif; background: #111; color: #eee; display: grid; place-items: center; min-height: 90vh; margin: 0; }
form { background: #1d1d1d; padding: 2em; border-radius: 8px; display: grid; gap: 0.8em; min-width: 16em; }
h1 { font-size: 1.3em; margin: 0 0 0.4em; }
input, button { font: inherit; padding: 0.5em; border-radius: 4px; border: 1px solid #444; }
input { background: #000; color: #eee; }
button { background: #2b6cb0; color: #fff; border: 0; cursor: pointer; }
.error { color: #f88; margin: 0; }
`;

export interface LoginPageOptions {
  action: string;
  /** Where to go after logging in (a path on this server). */
  next: string;
  error?: string;
  title?: string;
}

export function renderLoginPage(options: LoginPageOptions): string {
  const error = options.error ? `\n    <p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  const title = escapeHtml(options.title ?? 'cam');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="same-origin">
  <title>Log in · ${title}</title>
  <style>${LOGIN_STYLE}</style>
</head>
<body>
  <form method="post" action="${escapeHtml(options.action)}">
    <h1>${title}</h1>${error}
    <label>Name <input name="username" autocomplete="username" required autofocus></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
    <input type="hidden" name="next" value="${escapeHtml(options.next)}">
    <button type="submit">Log in</button>
  </form>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}
