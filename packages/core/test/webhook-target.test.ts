/**
 * Webhook targets: every spelling of a private address or a local name is refused
 * unless private targets are allowed; public ones pass in every spelling.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { checkWebhookTarget } from '../src/index.ts';

const refused = (url: string) => checkWebhookTarget(url, { allowPrivate: false });
const allowedLocally = (url: string) => checkWebhookTarget(url, { allowPrivate: true });

describe('checkWebhookTarget', () => {
  const PRIVATE = [
    // loopback, in the spellings the URL parser normalises
    'http://127.0.0.1/hook',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0x7f000001/',
    'http://017700000001/',
    'http://0177.0.0.1/',
    'http://127.0.0.1./',
    'http://127.0.0.1%2e/',
    'http://１２７.０.０.１/',
    'http://127.255.255.254:8080/x',
    // private, CGNAT, link-local (metadata), unspecified, broadcast, multicast, reserved
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://100.127.255.254/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/',
    'http://0/',
    'http://255.255.255.255/',
    'http://224.0.0.1/',
    'http://239.1.2.3/',
    'http://192.0.2.10/',
    'http://198.18.0.1/',
    'http://198.51.100.7/',
    'http://203.0.113.9/',
    'http://240.0.0.1/',
    'http://192.0.0.8/',
    // IPv6: loopback, unspecified, link-local, unique-local, multicast, mapped and compatible IPv4, NAT64, 6to4, Teredo, documentation
    'http://[::1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::]/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    'http://[fd12:3456::1]/',
    'http://[ff02::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:8.8.8.8]/',
    'http://[::127.0.0.1]/',
    'http://[::8.8.8.8]/',
    'http://[64:ff9b::a00:1]/',
    'http://[2002:7f00:1::]/',
    'http://[2001:0:4136:e378::1]/',
    'http://[2001:db8::1]/',
    'http://[100::1]/',
    'http://[fec0::1]/',
    // names only a local resolver answers
    'http://localhost/',
    'http://LOCALHOST:3000/',
    'http://localhost./',
    'http://localhost%2e/',
    'http://ⓛocalhost/',
    'http://%6c%6fcalhost/',
    'http://api.localhost/',
    'http://printer.local/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://box.lan/',
    'http://nas.home.arpa/',
    'http://1.0.0.127.in-addr.arpa/',
    'http://intranet/',
    'http://metadata/',
    'http://server.localdomain/',
    'http://svc.corp/',
    'http://a.test/',
    'http://x.invalid/',
    'http://host.internal./',
    // a host ending in a number after two trailing dots is no IPv4 address to the URL parser, but a resolver may read it as one
    'http://127.0.0.1../',
    'http://10.0.0.1.../',
    'http://169.254.169.254../',
    'http://0x7f.0.0.1../',
    'http://2130706433../',
  ];

  it.each(PRIVATE)('refuses %s', (url) => {
    const r = refused(url);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/address|name|resolver|unicast/);
    // ...unless the deployment allows private targets (local development).
    expect(allowedLocally(url).ok).toBe(true);
  });

  it.each([
    'https://hooks.slack.com/services/T0/B0/X',
    'https://example.com/hook',
    'http://example.com:8080/x?y=1',
    'https://8.8.8.8/',
    'http://1.1.1.1/',
    'http://134744072/',
    'http://[2606:4700:4700::1111]/',
    'https://xn--bcher-kva.example/',
    'https://hooks.example.com./',
    'http://172.32.0.1/',
    'http://100.128.0.1/',
  ])('allows the public target %s', (url) => {
    expect(refused(url)).toMatchObject({ ok: true });
  });

  it.each([
    ['ftp://example.com/', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['gopher://example.com/', /only http and https/],
    ['javascript:alert(1)', /only http and https/],
    ['http://user:pass@example.com/', /credentials/],
    ['http://example.com@127.0.0.1/', /credentials/],
    ['http://user@example.com/', /credentials/],
    ['not a url', /not a valid URL/],
    ['http://[fe80::1%25eth0]/', /not a valid URL/],
    ['http://1.2.3.4.5/', /not a valid URL/],
  ])('refuses %s whatever the deployment allows', (url, why) => {
    for (const allowPrivate of [false, true]) {
      const r = checkWebhookTarget(url, { allowPrivate });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(why);
    }
  });

  it('answers the normalised URL', () => {
    expect(refused('HTTPS://Hooks.Example.COM:443/a/../b')).toEqual({ ok: true, url: 'https://hooks.example.com/b' });
  });

  // Every spelling the URL parser accepts for an IPv4 address means that address.
  const spellings = (o: number[]): string[] => {
    const n = ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
    return [
      o.join('.'),
      String(n),
      `0x${n.toString(16)}`,
      `0${n.toString(8)}`,
      o.map((x) => `0x${x.toString(16)}`).join('.'),
      o.map((x) => `0${x.toString(8)}`).join('.'),
      `${o[0]}.${(o[1]! << 16) + (o[2]! << 8) + o[3]!}`,
      `${o[0]}.${o[1]}.${(o[2]! << 8) + o[3]!}`,
      `${o.join('.')}.`,
      `[::ffff:${o.join('.')}]`,
    ];
  };
  const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const isUnicast = (o: number[]) => ipaddr.IPv4.parse(o.join('.')).range() === 'unicast';

  it('refuses every spelling of every non-public IPv4 address', () => {
    fc.assert(
      fc.property(
        octets.filter((o) => !isUnicast(o)),
        (o) => {
          for (const host of spellings(o)) expect(refused(`http://${host}/`).ok, host).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('allows every plain spelling of a public IPv4 address, and refuses its IPv4-mapped IPv6 form', () => {
    fc.assert(
      fc.property(octets.filter(isUnicast), (o) => {
        const all = spellings(o);
        for (const host of all.slice(0, -1)) expect(refused(`http://${host}/`), host).toEqual({ ok: true, url: `http://${o.join('.')}/` });
        expect(refused(`http://${all.at(-1)}/`).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
