import { hostname, networkInterfaces } from 'node:os';

/**
 * The names the server answers to by default: `localhost`, every address of the machine's interfaces,
 * its hostname and `<hostname>.local` (mDNS), plus `extra` from the configuration. Lower case.
 */
export function defaultHostNames(extra: readonly string[] = []): Set<string> {
  const names = new Set(['localhost']);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) names.add(address.address.toLowerCase().replace(/%.*$/, ''));
  }
  const host = hostname().toLowerCase();
  if (host) {
    names.add(host);
    names.add(`${host}.local`);
  }
  for (const name of extra) names.add(name.toLowerCase());
  return names;
}

/**
 * A check of the `Host` header against DNS rebinding: a page from another site, whose name an attacker
 * points at this machine's address, sends its own name as `Host`; refusing names the server does not
 * answer to keeps that page from reading snapshots or the API. Any port is accepted; `*` among the
 * names turns the check off (behind a proxy that rewrites `Host`). A request without `Host` (HTTP/1.0)
 * passes: browsers always send one, and node:http refuses HTTP/1.1 without it.
 */
export function createHostCheck(extra: readonly string[]): (host: string | undefined) => boolean {
  if (extra.includes('*')) return () => true;
  const names = defaultHostNames(extra);
  return (host) => host === undefined || names.has(hostName(host));
}

/** `Example.COM:5000` → `example.com`; `[::1]:5000` → `::1`; a trailing dot (`localhost.`) is dropped. */
export function hostName(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    return end < 0 ? name : name.slice(1, end);
  }
  const colon = name.lastIndexOf(':');
  if (colon >= 0 && name.indexOf(':') === colon) name = name.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
