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
  ['private', 'ipv6', '64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): an operator's own network
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

/** The 16 bytes of an IPv6 address (a trailing dotted IPv4 part included), or undefined when it is not one. */
function ipv6Bytes(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 255];
  });
}

const dottedQuad = (bytes: number[]) => bytes.join('.');
const startsWith = (bytes: number[], prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/**
 * The IPv4 addresses an IPv6 address carries, which a gateway or the host itself may turn it into:
 * IPv4-mapped `::ffff:0:0/96` and IPv4-compatible `::/96`, NAT64 `64:ff9b::/96` and the local-use
 * `64:ff9b:1::/48` (every prefix length RFC 6052 allows there, since the operator picks it; the prefix
 * itself counts as private), 6to4
 * `2002::/16`, and Teredo `2001::/32` (server, and client XOR 0xff). Each is judged like any IPv4 address,
 * so `64:ff9b::7f00:1` is loopback.
 */
export function embeddedIpv4(address: string): string[] {
  const bytes = ipv6Bytes(address);
  if (!bytes) return [];
  const last4 = bytes.slice(12, 16);
  const zeros = (n: number) => Array(n).fill(0) as number[];
  if (startsWith(bytes, [...zeros(10), 255, 255])) return [dottedQuad(last4)];
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not compatible IPv4 ones.
  if (startsWith(bytes, zeros(12)) && (last4[0] !== 0 || last4[1] !== 0 || last4[2] !== 0 || last4[3]! > 1)) {
    return [dottedQuad(last4)];
  }
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, ...zeros(8)])) return [dottedQuad(last4)];
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 1])) {
    // RFC 6052: the IPv4 bits follow the prefix, skipping bits 64..71 (prefixes /48, /56, /64, /96).
    const skip8 = (from: number) => [...bytes.slice(from, 8), ...bytes.slice(9)].slice(0, 4);
    // A candidate in 0.0.0.0/8 is the wrong prefix length read, not an address a gateway translates to.
    const candidates = [skip8(6), skip8(7), bytes.slice(9, 13), last4].filter((v4) => v4[0] !== 0);
    return candidates.map(dottedQuad);
  }
  if (startsWith(bytes, [0x20, 0x02])) return [dottedQuad(bytes.slice(2, 6))];
  if (startsWith(bytes, [0x20, 0x01, 0, 0])) {
    return [dottedQuad(bytes.slice(4, 8)), dottedQuad(last4.map((b) => b ^ 255))];
  }
  return [];
}

// The kind that the fewest settings allow wins when an address is several at once.
const STRICTNESS: AddressKind[] = ['public', 'loopback', 'private', 'forbidden'];
const stricter = (a: AddressKind, b: AddressKind) => (STRICTNESS.indexOf(a) >= STRICTNESS.indexOf(b) ? a : b);

function kindOf(address: string, type: 'ipv4' | 'ipv6'): AddressKind {
  for (const kind of ['forbidden', 'loopback', 'private'] as const) {
    if (lists.get(kind)!.check(address, type)) return kind;
  }
  return 'public';
}

export function addressKind(address: string): AddressKind {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'forbidden'; // not an address at all: refuse rather than guess
  if (family === 4) return kindOf(bare, 'ipv4');
  return embeddedIpv4(bare).reduce<AddressKind>(
    (kind, v4) => stricter(kind, kindOf(v4, 'ipv4')),
    kindOf(bare, 'ipv6'),
  );
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
