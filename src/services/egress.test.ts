import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  EgressDenied,
  EgressPolicy,
  egressLookup,
  embeddedIPv4,
  ipv6Bytes,
  parseEgressList,
} from './egress';

describe('classifyAddress: IPv4 ranges refused by default', () => {
  it.each([
    ['0.0.0.0', 'an unspecified address'],
    ['0.1.2.3', 'an unspecified address'],
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['10.0.0.1', 'a private address'],
    ['10.255.255.255', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['100.64.0.1', 'a shared (CGNAT) address'],
    ['100.127.255.255', 'a shared (CGNAT) address'],
    ['169.254.1.1', 'a link-local address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['169.254.170.2', 'a cloud metadata address'],
    ['100.100.100.200', 'a cloud metadata address'],
    ['168.63.129.16', 'a cloud metadata address'],
    ['224.0.0.1', 'a multicast address'],
    ['239.255.255.250', 'a multicast address'],
    ['255.255.255.255', 'a broadcast address'],
    ['240.0.0.1', 'a reserved address'],
    ['192.0.0.170', 'a reserved address'],
    ['198.18.0.1', 'a reserved (benchmarking) address'],
    ['192.0.2.1', 'a documentation address'],
    ['198.51.100.7', 'a documentation address'],
    ['203.0.113.9', 'a documentation address'],
  ])('%s is %s', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '11.0.0.1',
    '223.255.255.255',
    '168.63.129.17',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });
});

describe('classifyAddress: IPv6 and IPv4 inside IPv6', () => {
  it.each([
    ['::', 'an unspecified address'],
    ['::1', 'a loopback address'],
    ['0:0:0:0:0:0:0:1', 'a loopback address'],
    ['fe80::1', 'a link-local address'],
    ['FE80::abcd:1%eth0', 'a link-local address'],
    ['febf:ffff::1', 'a link-local address'],
    ['fec0::1', 'a private (site-local) address'],
    ['fc00::1', 'a private (unique local) address'],
    ['fd12:3456::1', 'a private (unique local) address'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['ff02::1', 'a multicast address'],
    ['100::1', 'a reserved (discard) address'],
    ['2001:db8::1', 'a documentation address'],
    ['2001:0:4136:e378::1', 'a Teredo tunnel address'],
    ['64:ff9b:1::1', 'a private (local NAT64) address'],
  ])('%s is %s', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['0:0:0:0:0:ffff:7f00:0001', 'a loopback address'],
    ['::FFFF:10.1.2.3', 'a private address'],
    ['::ffff:169.254.169.254', 'a cloud metadata address'],
    ['::ffff:0:127.0.0.1', 'a loopback address'], // IPv4-translated
    ['::127.0.0.1', 'a loopback address'], // IPv4-compatible
    ['::a9fe:a9fe', 'a cloud metadata address'], // IPv4-compatible 169.254.169.254
    ['64:ff9b::127.0.0.1', 'a loopback address'], // NAT64
    ['64:ff9b::c0a8:101', 'a private address'],
    ['2002:7f00:1::', 'a loopback address'], // 6to4 of 127.0.0.1
    ['2002:a9fe:a9fe::1', 'a cloud metadata address'],
  ])('%s embeds %s', (address, reason) => {
    expect(classifyAddress(address)).toMatch(new RegExp(`^${reason.replace(/[()]/g, '\\$&')}`));
  });

  it.each([
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });

  it('reads every IPv6 spelling to the same bytes', () => {
    const expected = Array.from(ipv6Bytes('::ffff:7f00:1'));
    expect(Array.from(ipv6Bytes('::ffff:127.0.0.1'))).toEqual(expected);
    expect(Array.from(ipv6Bytes('0:0:0:0:0:FFFF:7F00:0001'))).toEqual(expected);
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('2002:c0a8:0101::')).toBe('192.168.1.1');
    expect(embeddedIPv4('2606:4700::1')).toBeUndefined();
    expect(embeddedIPv4('10.0.0.1')).toBeUndefined();
  });

  it('calls anything else not an IP address', () => {
    expect(classifyAddress('example.com')).toBe('not an IP address');
  });
});

describe('parseEgressList', () => {
  it('accepts host names, *.suffix patterns, addresses and CIDRs', () => {
    expect(
      parseEgressList(
        ' api.example.com, *.internal.test ,127.0.0.1,10.0.0.0/8,::1,fd00::/8,[::1],',
        'fetchAllow',
      ),
    ).toEqual(['api.example.com', '*.internal.test', '127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '[::1]']);
    expect(parseEgressList('', 'fetchAllow')).toEqual([]);
  });

  it.each([
    'http://x.com',
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.0/',
    'a b',
    '*',
    '*.',
    'x/8',
    '**.a.com',
    'a..b',
  ])('refuses %s', (entry) => {
    expect(() => parseEgressList(entry, 'fetchDeny')).toThrow(/invalid fetchDeny entry/);
  });
});

describe('EgressPolicy', () => {
  const reason = (d: EgressDenied | undefined) => d?.message;

  it('refuses private addresses by default and allows public ones', () => {
    const p = new EgressPolicy();
    expect(reason(p.checkHost('127.0.0.1'))).toBe('islet egress policy: 127.0.0.1 is a loopback address');
    expect(reason(p.checkHost('[::1]'))).toBe('islet egress policy: ::1 is a loopback address');
    expect(reason(p.checkAddress('internal.example', '10.1.2.3'))).toBe(
      'islet egress policy: internal.example (10.1.2.3) is a private address',
    );
    expect(p.checkHost('example.com')).toBeUndefined();
    expect(p.checkAddress('example.com', '93.184.216.34')).toBeUndefined();
  });

  it('refuses metadata host names before any lookup', () => {
    const p = new EgressPolicy();
    expect(reason(p.checkHost('metadata.google.internal'))).toBe(
      'islet egress policy: metadata.google.internal is a cloud metadata host name',
    );
    expect(reason(p.checkHost('METADATA.google.internal.'))).toMatch(/cloud metadata host name/);
  });

  it('allows listed CIDRs and host names even when private', () => {
    const p = new EgressPolicy(parseEgressList('127.0.0.1,10.0.0.0/8,api.test,*.corp.test', 'fetchAllow'));
    expect(p.checkHost('127.0.0.1')).toBeUndefined();
    expect(p.checkAddress('localhost', '127.0.0.1')).toBeUndefined();
    expect(p.checkAddress('x', '::ffff:127.0.0.1')).toBeUndefined(); // same address, IPv6 spelling
    expect(p.checkAddress('x', '127.0.0.2')).toBeDefined();
    expect(p.checkAddress('x', '10.9.8.7')).toBeUndefined();
    expect(p.checkAddress('api.test', '192.168.1.1')).toBeUndefined();
    expect(p.checkAddress('a.b.corp.test', '172.16.0.1')).toBeUndefined();
    expect(p.checkAddress('corp.test', '172.16.0.1')).toBeDefined(); // *.suffix does not cover the bare name
    expect(p.checkAddress('xcorp.test', '172.16.0.1')).toBeDefined();
  });

  it('never lets an allowed name reach a metadata address (that takes a CIDR)', () => {
    const byName = new EgressPolicy(['*.corp.test']);
    expect(reason(byName.checkAddress('evil.corp.test', '169.254.169.254'))).toMatch(
      /cloud metadata address/,
    );
    expect(reason(byName.checkAddress('evil.corp.test', '::ffff:169.254.169.254'))).toMatch(/cloud metadata/);
    const byCidr = new EgressPolicy(['169.254.169.254/32']);
    expect(byCidr.checkAddress('anything', '169.254.169.254')).toBeUndefined();
  });

  it('lets deny win over allow, for names, patterns and ranges', () => {
    const p = new EgressPolicy(
      parseEgressList('127.0.0.0/8,*.corp.test', 'fetchAllow'),
      parseEgressList('127.0.0.9,secret.corp.test,*.blocked.example,203.0.0.0/8', 'fetchDeny'),
    );
    expect(reason(p.checkHost('127.0.0.9'))).toBe('islet egress policy: 127.0.0.9 is denied by --fetch-deny');
    expect(p.checkHost('127.0.0.8')).toBeUndefined();
    expect(reason(p.checkHost('secret.corp.test'))).toMatch(/denied by --fetch-deny/);
    expect(reason(p.checkHost('a.blocked.example'))).toMatch(/denied by --fetch-deny/);
    expect(reason(p.checkAddress('public.example', '203.1.2.3'))).toMatch(/denied by --fetch-deny/);
    expect(reason(p.checkAddress('public.example', '::ffff:203.1.2.3'))).toMatch(/denied by --fetch-deny/);
  });
});

describe('egressLookup', () => {
  const table: Record<string, LookupAddress[]> = {
    'mixed.test': [
      { address: '127.0.0.1', family: 4 },
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1', family: 6 },
    ],
    'private.test': [
      { address: '10.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ],
  };
  const resolver = async (host: string) => {
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  const lookup = egressLookup(new EgressPolicy(), resolver);
  const run = (host: string, options: { all?: boolean; family?: number }) =>
    new Promise<{ err: Error | null; address?: unknown; family?: number }>((resolve) =>
      lookup(host, options, (err, address, family) => resolve({ err, address, family })),
    );

  it('returns only the allowed addresses (all: true, as net does with autoSelectFamily)', async () => {
    const r = await run('mixed.test', { all: true });
    expect(r.err).toBeNull();
    expect(r.address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1', family: 6 },
    ]);
  });

  it('returns the first allowed address in the single-address form, honouring family', async () => {
    expect(await run('mixed.test', {})).toEqual({ err: null, address: '93.184.216.34', family: 4 });
    expect(await run('mixed.test', { family: 6 })).toEqual({ err: null, address: '2606:4700::1', family: 6 });
  });

  it('fails with EgressDenied when every address is refused', async () => {
    const r = await run('private.test', { all: true });
    expect(r.err).toBeInstanceOf(EgressDenied);
    expect(r.err?.message).toBe('islet egress policy: private.test (10.0.0.1) is a private address');
  });

  it('checks IP literals without resolving them', async () => {
    const r = await run('169.254.169.254', {});
    expect(r.err?.message).toBe('islet egress policy: 169.254.169.254 is a cloud metadata address');
  });

  it('passes resolution errors on', async () => {
    const r = await run('nowhere.test', {});
    expect((r.err as { code?: string }).code).toBe('ENOTFOUND');
  });
});
