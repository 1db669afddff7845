import { networkInterfaces } from 'node:os';

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '']);
const THIS_MACHINE = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The addresses to open in a browser for a server listening on `host` (with `scheme`): `http://localhost:<port>` first
 * when this machine can reach it that way, then, when it listens on every interface, the machine's LAN
 * addresses (for a phone or another computer).
 */
export function openUrls(host: string, port: number, scheme: 'http' | 'https' = 'http'): string[] {
  if (THIS_MACHINE.has(host)) return [`${scheme}://localhost:${port}`];
  if (!ALL_INTERFACES.has(host)) return [`${scheme}://${bracketed(host)}:${port}`];
  const lan = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address && !address.internal)
    // IPv4 always (`0.0.0.0` and `::` both accept it); IPv6 only when listening on `::`, and not link-local
    // addresses, which a browser cannot open without a zone id.
    .filter(
      (address) => address!.family === 'IPv4' || (host === '::' && !address!.address.startsWith('fe80')),
    )
    .map((address) => `${scheme}://${bracketed(address!.address)}:${port}`);
  return [`${scheme}://localhost:${port}`, ...new Set(lan)];
}

function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
