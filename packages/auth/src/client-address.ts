// Who is asking: the socket's peer, or, when that peer is a proxy named in `trustProxy`, the nearest
// address in X-Forwarded-For that is not one of those proxies. Never believe the header otherwise:
// anyone can send it.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  constructor(entries: readonly string[]) {
    this.#empty = entries.length === 0;
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, Number(bits), type);
    }
  }

  has(address: string): boolean {
    if (this.#empty) return false;
    const family = isIP(address);
    if (!family) return false;
    return this.#list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** The client's address, for limits and logs. */
export function clientAddress(req: IncomingMessage, proxies: TrustedProxies): string {
  let address = normalize(req.socket.remoteAddress ?? '');
  if (!proxies.has(address)) return address;
  const forwarded = headerList(req.headers['x-forwarded-for']);
  // Walk from the nearest hop outwards; the first address our proxies did not add is the client.
  for (let index = forwarded.length - 1; index >= 0; index--) {
    const hop = normalize(forwarded[index]!);
    if (!isIP(hop)) return address; // garbage in the chain: stop at the last hop we can vouch for
    address = hop;
    if (!proxies.has(hop)) return hop;
  }
  return address;
}

/** Whether the client reached us over TLS (directly, or through a trusted proxy that says so). */
export function isSecureRequest(req: IncomingMessage, proxies: TrustedProxies): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (!proxies.has(normalize(req.socket.remoteAddress ?? ''))) return false;
  const proto = headerList(req.headers['x-forwarded-proto']);
  return proto[0]?.toLowerCase() === 'https';
}

function headerList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

// An IPv4 client on a dual-stack socket shows up as ::ffff:1.2.3.4.
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
