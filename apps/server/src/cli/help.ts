/** A subcommand as `--help` lists it. */
export interface SubcommandHelp {
  name: string;
  usage: string;
  summary: string;
}

/**
 * The environment variables the server reads, as `--help` lists them. Keep in step with the README's
 * tables: a test checks that every variable documented there is listed here.
 */
const VARIABLES: readonly [string, string][] = [
  ['CAMERA', 'the driver: emulated (default), pi, opencv, mjpeg, ffmpeg, a package name or ./path.js'],
  ['CAMERA_<OPTION>', 'a driver option: CAMERA_FPS=5 passes fps (see the driver README)'],
  ['OPENCV_CAMERA_SOURCE', 'the original project’s name for CAMERA_SOURCE with CAMERA=opencv'],
  ['PORT', 'the port to listen on (default 5000; 0: any free port)'],
  ['HOST', 'the address to listen on (default 0.0.0.0: every interface)'],
  ['IDLE_TIMEOUT', 'seconds without viewers before the camera stops (default 10)'],
  ['MAX_VIEWERS', 'the most viewers at once, in all (default: sized for this machine)'],
  ['STALLED_VIEWER_TIMEOUT', 'seconds a stream may go without draining before it is closed (default 30)'],
  ['ALLOWED_HOSTS', 'more names for the Host check, comma-separated; * turns it off'],
  ['START_TIMEOUT', 'seconds a camera may take to send its first frame (default 10)'],
  ['STALL_TIMEOUT', 'seconds a running camera may go without a frame (default 5)'],
  ['MAX_FPS', 'capture at most this many frames per second'],
  ['LOG_LEVEL', 'fatal, error, warn, info (default), debug, trace or silent'],
  ['LOG_FORMAT', 'json or pretty (default: pretty on a terminal, json otherwise)'],
  ['CAM_CONFIG', 'the path of a config file, as --config'],
  ['TLS_CERT', 'serve HTTPS with this PEM certificate (with TLS_KEY); SIGHUP reloads both'],
  ['TLS_KEY', 'the PEM private key of TLS_CERT'],
  ['AUTH_KEY_FILE', 'the signing key file for sessions and links (default: cam-auth.key by the config file)'],
  ['TRUST_PROXY', 'reverse proxy addresses or CIDR ranges, comma-separated, whose X-Forwarded-For counts'],
];

/** The text of `cam-server --help`. */
export function helpText(version: string, subcommands: readonly SubcommandHelp[]): string {
  const width = Math.max(
    ...VARIABLES.map(([name]) => name.length),
    ...subcommands.map((s) => s.usage.length),
  );
  const row = (left: string, right: string) => `  ${left.padEnd(width)}  ${right}`;
  return [
    `cam-server ${version}: streams a camera to browsers as Motion-JPEG over HTTP`,
    '',
    'Usage:',
    '  cam-server [--config <path>]       start the server (one camera from the environment, or a config file)',
    '  cam-server <command> [arguments]',
    '',
    'Options:',
    row('-c, --config <path>', 'a YAML or JSON config file listing cameras (relative to where you run this)'),
    row('-h, --help', 'show this help'),
    row('-v, --version', 'print the version'),
    '',
    'Commands:',
    ...subcommands.map((subcommand) => row(subcommand.usage, subcommand.summary)),
    '',
    'Environment:',
    ...VARIABLES.map(([name, meaning]) => row(name, meaning)),
    '',
    'Relative paths in variables and arguments are relative to the directory you ran the command in;',
    'in a config file, paths that start with ./ or ../ are relative to the file.',
    'Ctrl-C (SIGINT) or SIGTERM stops the server; under TLS, SIGHUP reloads the certificate and key.',
    'Docs: the README of @cam/server.',
  ].join('\n');
}
