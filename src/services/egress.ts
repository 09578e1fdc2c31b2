import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The egress policy of fetch() inside functions: which hosts and addresses a function may reach.
 * By default only public unicast addresses; loopback, private, link-local, CGNAT, multicast,
 * reserved ranges and cloud metadata endpoints are refused, in every IPv6 spelling that embeds an
 * IPv4 address. `--fetch-allow` opens host names, `*.suffix` patterns and CIDRs; `--fetch-deny`
 * closes more, and wins over allow. Decisions are made on resolved addresses, at connect time
 * (egressLookup), so a name that re-resolves to a private address is still refused.
 */

type Family = 'ipv4' | 'ipv6';
type Range = readonly [network: string, prefix: number, reason: string];

/** Addresses of cloud metadata and platform services: refused unless a CIDR allows them exactly. */
const metadataAddresses: readonly string[] = [
  '169.254.169.254', // AWS, GCP, Azure, OpenStack instance metadata
  '169.254.170.2', // AWS ECS task metadata and credentials
  '169.254.169.253', // AWS VPC DNS
  'fd00:ec2::254', // AWS instance metadata over IPv6
  '100.100.100.200', // Alibaba Cloud metadata
  '168.63.129.16', // Azure platform (wireserver), a public address
];

/** Host names of metadata services, refused before any lookup. */
const metadataNames: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
]);

const v4Ranges: readonly Range[] = [
  ['255.255.255.255', 32, 'a broadcast address'],
  ['0.0.0.0', 8, 'an unspecified address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['10.0.0.0', 8, 'a private address'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.168.0.0', 16, 'a private address'],
  ['100.64.0.0', 10, 'a shared (CGNAT) address'],
  ['169.254.0.0', 16, 'a link-local address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
  ['192.0.0.0', 24, 'a reserved address'],
  ['198.18.0.0', 15, 'a reserved (benchmarking) address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
];

const v6Ranges: readonly Range[] = [
  ['::', 128, 'an unspecified address'],
  ['::1', 128, 'a loopback address'],
  ['fe80::', 10, 'a link-local address'],
  ['fec0::', 10, 'a private (site-local) address'],
  ['fc00::', 7, 'a private (unique local) address'],
  ['ff00::', 8, 'a multicast address'],
  ['100::', 64, 'a reserved (discard) address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['2001::', 32, 'a Teredo tunnel address'],
  ['64:ff9b:1::', 48, 'a private (local NAT64) address'],
];

/** One BlockList per reason, in the order they are checked. */
const defaultRanges: ReadonlyArray<{ reason: string; list: BlockList }> = (() => {
  const byReason = new Map<string, BlockList>();
  const add = (family: Family, [network, prefix, reason]: Range) => {
    const list = byReason.get(reason) ?? new BlockList();
    byReason.set(reason, list);
    list.addSubnet(network, prefix, family);
  };
  const metadata = new BlockList();
  for (const a of metadataAddresses) metadata.addAddress(a, familyOf(a));
  for (const r of v4Ranges) add('ipv4', r);
  for (const r of v6Ranges) add('ipv6', r);
  return [
    { reason: 'a cloud metadata address', list: metadata },
    ...[...byReason].map(([reason, list]) => ({ reason, list })),
  ];
})();

const metadataReason = 'a cloud metadata address';

function familyOf(address: string): Family {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** The 16 bytes of an IPv6 address (zone id ignored; dotted IPv4 tails accepted). */
export function ipv6Bytes(address: string): Uint8Array {
  let s = address.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => Number.parseInt(w, 16)));
  const first = words(head);
  const last = rest === undefined ? [] : words(rest);
  const all = [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 255;
  });
  return out;
}

/**
 * The IPv4 address an IPv6 address carries and is routed to, if any: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and
 * 6to4 (2002:AABB:CCDD::).
 */
export function embeddedIPv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const b = ipv6Bytes(address);
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const v4 = (at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) return v4(12);
  if (zeros(0, 12)) return v4(12);
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return undefined;
}

/** Why `address` (an IP literal) is refused by default, or undefined for a public address. */
export function classifyAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const check = (a: string, f: Family) => defaultRanges.find((r) => r.list.check(a, f))?.reason;
  const own = check(address, family === 6 ? 'ipv6' : 'ipv4');
  if (own) return own;
  const inner = embeddedIPv4(address);
  const innerReason = inner === undefined ? undefined : check(inner, 'ipv4');
  return innerReason && `${innerReason} (IPv4 ${inner} inside an IPv6 address)`;
}

/** A host name: lower case, without the trailing dot and IPv6 brackets. */
export function normaliseHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

const hostNamePattern =
  /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Splits and checks a --fetch-allow / --fetch-deny list: host names, `*.suffix` patterns, IP
 * addresses and CIDRs, comma separated. Throws on an entry that is none of these.
 */
export function parseEgressList(raw: string, setting: string): string[] {
  const entries = raw
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  for (const e of entries) {
    if (parseCidr(e) || hostNamePattern.test(normaliseHost(e))) continue;
    throw new Error(
      `invalid ${setting} entry '${e.slice(0, 80)}' (expected a host name, *.suffix, an IP address or a CIDR)`,
    );
  }
  return entries;
}

function parseCidr(entry: string): { network: string; prefix: number; family: Family } | undefined {
  const slash = entry.indexOf('/');
  const network = normaliseHost(slash < 0 ? entry : entry.slice(0, slash));
  const kind = isIP(network);
  if (kind === 0) return undefined;
  const max = kind === 6 ? 128 : 32;
  const prefix = slash < 0 ? max : Number(entry.slice(slash + 1));
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (slash >= 0 && entry.slice(slash + 1) === '')
  ) {
    return undefined;
  }
  return { network, prefix, family: kind === 6 ? 'ipv6' : 'ipv4' };
}

/** A compiled allow or deny list. */
class HostRules {
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges = new BlockList();

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const cidr = parseCidr(e);
      if (cidr) this.ranges.addSubnet(cidr.network, cidr.prefix, cidr.family);
      else if (e.startsWith('*.')) this.suffixes.push(normaliseHost(e.slice(1)));
      else this.names.add(normaliseHost(e));
    }
  }

  matchesName(host: string): boolean {
    return this.names.has(host) || this.suffixes.some((s) => host.endsWith(s));
  }

  matchesAddress(address: string): boolean {
    const inner = embeddedIPv4(address);
    return (
      this.ranges.check(address, familyOf(address)) ||
      (inner !== undefined && this.ranges.check(inner, 'ipv4'))
    );
  }
}

/** A refused request: the message is what the function sees as the cause of `fetch failed`. */
export class EgressDenied extends Error {
  readonly code = 'ISLET_EGRESS_DENIED';

  constructor(
    readonly host: string,
    readonly reason: string,
    message = `${host} is ${reason}`,
  ) {
    super(`islet egress policy: ${message}`);
    this.name = 'EgressDenied';
  }
}

/** The policy: which host names and addresses fetch() may reach. */
export class EgressPolicy {
  private readonly allow: HostRules;
  private readonly deny: HostRules;

  /** `allow` and `deny` are entries as parseEgressList returns them. */
  constructor(allow: readonly string[] = [], deny: readonly string[] = []) {
    this.allow = new HostRules(allow);
    this.deny = new HostRules(deny);
  }

  /** Checks a URL's host before any lookup; IP literals are checked as addresses. */
  checkHost(rawHost: string): EgressDenied | undefined {
    const host = normaliseHost(rawHost);
    if (isIP(host)) return this.checkAddress(host, host);
    if (this.deny.matchesName(host)) return new EgressDenied(host, 'denied by --fetch-deny');
    if (metadataNames.has(host) && !this.allow.matchesName(host)) {
      return new EgressDenied(host, 'a cloud metadata host name');
    }
    return undefined;
  }

  /** Checks one address that `rawHost` resolved to (or the literal itself). */
  checkAddress(rawHost: string, address: string): EgressDenied | undefined {
    const host = normaliseHost(rawHost);
    const shown = host === address ? address : `${host} (${address})`;
    if (this.deny.matchesAddress(address) || this.deny.matchesName(host)) {
      return new EgressDenied(shown, 'denied by --fetch-deny');
    }
    if (this.allow.matchesAddress(address)) return undefined;
    const reason = classifyAddress(address);
    if (reason === undefined) return undefined;
    // An allowed name opens its private addresses, never a metadata endpoint (that takes a CIDR).
    if (this.allow.matchesName(host) && !reason.startsWith(metadataReason)) return undefined;
    return new EgressDenied(shown, reason);
  }
}

/** Resolves a host name to its addresses (dns.lookup by default; tests map their own names). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

/** dns.lookup with every address, in the order the system prefers. */
export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, order: 'verbatim' }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/**
 * A `lookup` for net/tls connect that returns only the addresses the policy allows, so the socket
 * connects to exactly the addresses that were checked. All refused: fails with EgressDenied.
 */
export function egressLookup(policy: EgressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const done = callback as (err: Error | null, address?: string | LookupAddress[], family?: number) => void;
    const literal = isIP(normaliseHost(hostname));
    const found: Promise<LookupAddress[]> = literal
      ? Promise.resolve([{ address: normaliseHost(hostname), family: literal }])
      : resolve(hostname);
    found.then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const candidates = addresses.filter((a) => wanted === undefined || a.family === wanted);
        let refused: EgressDenied | undefined;
        const allowed = candidates.filter((a) => {
          const denied = policy.checkAddress(hostname, a.address);
          refused ??= denied;
          return denied === undefined;
        });
        const first = allowed[0];
        if (!first) {
          const err =
            refused ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          done(err);
        } else if (options.all) done(null, allowed);
        else done(null, first.address, first.family);
      },
      (err: Error) => done(err),
    );
  };
}
