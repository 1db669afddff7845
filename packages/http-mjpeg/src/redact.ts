/**
 * Absolute file paths (`/home/pi/...`, `file:///...`, `C:\...`): where a driver is installed, whose home
 * it runs in. They help the operator, who has the log, and tell a client only about the machine.
 */
// A path starts a word (after a blank, a quote, a bracket, "=" or the start): `http://host/x` is left alone.
// Device nodes (`/dev/video0`) stay: they name the camera the user configured, not where anything lives.
const ABSOLUTE_PATH =
  /(?<=^|[\s'"`([{=,;])(?:file:\/\/)?(?!\/dev\/)(?:\/|[A-Za-z]:\\)(?:[^\s/\\'"`()<>,;]+[/\\])+([^\s/\\'"`()<>,;]*)/g;

/**
 * A message fit for clients: every absolute path becomes `.../<last segment>` (the file's name keeps
 * the message useful: "cannot read .../frame.jpg"), so no directory of the machine is shown.
 */
export function redactPaths(message: string): string {
  return message.replace(ABSOLUTE_PATH, (_path, last: string) => `.../${last}`);
}
