// A request written byte for byte on a raw socket, for what fetch and http.request will not send: a
// chosen (or missing) Host header, a URL with malformed %-escapes, HTTP/1.0.
import { rawConnect } from './helpers.js';

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `GET <path>` with `Host: <host>` (no Host header when `host` is null) and `Connection: close`,
 * and reads the response until the server closes the connection.
 */
export async function rawGet(
  port: number,
  path: string,
  host: string | null,
  version = '1.1',
): Promise<RawResponse> {
  const connection = await rawConnect(port);
  const hostLine = host === null ? '' : `Host: ${host}\r\n`;
  connection.socket.write(`GET ${path} HTTP/${version}\r\n${hostLine}Connection: close\r\n\r\n`);
  await connection.closed;
  return parseResponse(connection.received());
}

function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  // The socket's bytes arrive as latin1 text; the body is UTF-8.
  const body = Buffer.from(text.slice(end + 4), 'latin1').toString('utf8');
  return { status: Number(statusLine!.split(' ')[1]), headers, body };
}
