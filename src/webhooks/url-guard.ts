import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { invalid } from '../errors.js';

// A webhook makes this server send requests wherever a caller says. Without a guard that is a way to reach
// the server's own network (metadata services, databases, admin ports), so only public addresses are
// allowed by default. An operator may allow loopback (HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK, a receiver on the same
// host in development) or every private network (HINDSIGHT_WEBHOOK_ALLOW_PRIVATE); link-local, cloud metadata,
// multicast and reserved addresses are refused whatever the settings.

/** Which non-public networks webhooks may reach. */
export type WebhookNetworks = 'public' | 'loopback' | 'private';
export type AddressKind = 'public' | 'loopback' | 'private' | 'forbidden';

const ranges: [AddressKind, 'ipv4' | 'ipv6', string, number][] = [
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['loopback', 'ipv6', '::1', 128],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '100.64.0.0', 10],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['private', 'ipv6', 'fc00::', 7],
  ['forbidden', 'ipv4', '0.0.0.0', 8],
  ['forbidden', 'ipv4', '169.254.0.0', 16], // link-local, with the cloud metadata service 169.254.169.254
  ['forbidden', 'ipv4', '192.0.0.0', 24],
  ['forbidden', 'ipv4', '198.18.0.0', 15],
  ['forbidden', 'ipv4', '224.0.0.0', 4],
  ['forbidden', 'ipv4', '240.0.0.0', 4],
  ['forbidden', 'ipv6', '::', 128],
  ['forbidden', 'ipv6', 'fe80::', 10],
  ['forbidden', 'ipv6', 'fec0::', 10],
  ['forbidden', 'ipv6', 'ff00::', 8],
  // Metadata services inside private ranges (Alibaba Cloud; AWS over IPv6): checked before those ranges.
  ['forbidden', 'ipv4', '100.100.100.200', 32],
  ['forbidden', 'ipv6', 'fd00:ec2::254', 128],
];

const lists = new Map<AddressKind, BlockList>();
for (const [kind, family, net, prefix] of ranges) {
  if (!lists.has(kind)) lists.set(kind, new BlockList());
  lists.get(kind)!.addSubnet(net, prefix, family);
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

export function addressKind(address: string): AddressKind {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = embeddedIpv4(bare);
  const target = v4 ?? bare;
  const family = v4 ? 4 : isIP(bare);
  if (family === 0) return 'forbidden'; // not an address at all: refuse rather than guess
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const kind of ['forbidden', 'loopback', 'private'] as const) {
    if (lists.get(kind)!.check(target, type)) return kind;
  }
  return 'public';
}

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  return addressKind(address) !== 'public';
}

export function allows(networks: WebhookNetworks, kind: AddressKind): boolean {
  if (kind === 'public') return true;
  if (kind === 'loopback') return networks !== 'public';
  if (kind === 'private') return networks === 'private';
  return false;
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

function refusal(host: string, address: string, kind: AddressKind): string {
  const where = `url: ${host} resolves to ${address}`;
  if (kind === 'forbidden') {
    return `${where}, a link-local, cloud metadata or reserved address; webhooks are never sent there`;
  }
  if (kind === 'loopback') {
    return (
      `${where}, a loopback address; webhooks are only sent to public addresses unless the server sets ` +
      'HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK=true (local development) or HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=true'
    );
  }
  return (
    `${where}, a private network address; webhooks are only sent to public addresses unless the server ` +
    'sets HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=true'
  );
}

/**
 * Refuses (400) a URL that is not http(s) or that resolves to an address the server's settings do not allow.
 * A name that does not resolve yet is accepted: every delivery checks the address it actually connects to.
 */
export async function assertWebhookUrl(text: string, networks: WebhookNetworks): Promise<string> {
  const url = parseWebhookUrl(text);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const kind = addressKind(host);
    if (!allows(networks, kind)) throw invalid(refusal(host, host, kind));
    return url.toString();
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    if (!allows(networks, 'loopback')) throw invalid(refusal(host, 'loopback', 'loopback'));
    return url.toString();
  }
  let addresses: LookupAddress[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    return url.toString();
  }
  for (const { address } of addresses) {
    const kind = addressKind(address);
    if (!allows(networks, kind)) throw invalid(refusal(host, address, kind));
  }
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
export function guardedLookup(networks: WebhookNetworks) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => !allows(networks, addressKind(a.address)));
      if (bad) {
        callback(new PrivateAddressError(`${hostname} resolves to ${bad.address}, a non-public address`), []);
        return;
      }
      if ((options as { all?: boolean }).all) callback(null, list);
      else callback(null, list[0]?.address ?? '', list[0]?.family);
    });
  };
}
