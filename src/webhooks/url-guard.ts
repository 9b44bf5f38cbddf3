import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { invalid } from '../errors.js';

// A webhook makes this server send requests wherever a caller says. Without a guard that is a way to reach
// the server's own network (metadata services, databases, admin ports), so such addresses are refused
// unless the operator allows them (HINDSIGHT_WEBHOOK_ALLOW_PRIVATE, for receivers on the same host).

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** `::ffff:a.b.c.d` and `::ffff:XXXX:YYYY` carry an IPv4 address: judge that one. */
function embeddedIpv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = embeddedIpv4(bare);
  if (v4) return blocked.check(v4, 'ipv4');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) return blocked.check(bare, 'ipv6');
  return true; // not an address at all: refuse rather than guess
}

export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`url: "${text}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`url: only http and https URLs can receive webhooks (got ${url.protocol})`);
  }
  return url;
}

const privateMessage = (host: string, address: string) =>
  `url: ${host} resolves to ${address}, a loopback, private or link-local address; webhooks are only sent ` +
  'to public addresses unless the server sets HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=true';

/**
 * Refuses (400) a URL that is not http(s) or that resolves to a non-public address. A name that does not
 * resolve yet is accepted: every delivery checks the address it actually connects to.
 */
export async function assertWebhookUrl(text: string, allowPrivate: boolean): Promise<string> {
  const url = parseWebhookUrl(text);
  if (allowPrivate) return url.toString();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw invalid(privateMessage(host, host));
    return url.toString();
  }
  if (host === 'localhost' || host.endsWith('.localhost')) throw invalid(privateMessage(host, 'loopback'));
  let addresses: LookupAddress[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    return url.toString();
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw invalid(privateMessage(host, bad.address));
  return url.toString();
}

export class PrivateAddressError extends Error {
  override name = 'PrivateAddressError';
  readonly code = 'EPRIVATEADDRESS';
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that refuses non-public addresses: the check applies to the address the
 * socket connects to, so a name that changes its answer after the URL was accepted cannot slip through.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const list = addresses as LookupAddress[];
      if (!allowPrivate) {
        const bad = list.find((a) => isPrivateAddress(a.address));
        if (bad) {
          callback(
            new PrivateAddressError(`${hostname} resolves to ${bad.address}, a non-public address`),
            [],
          );
          return;
        }
      }
      if ((options as { all?: boolean }).all) callback(null, list);
      else callback(null, list[0]?.address ?? '', list[0]?.family);
    });
  };
}
