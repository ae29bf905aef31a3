/**
 * Which URLs a webhook may be sent to. A webhook is a request the server makes on an
 * admin's behalf, so a URL pointing into the server's own network (loopback, private
 * ranges, link-local metadata services, names only a local resolver knows) is a
 * server-side request forgery path: refused unless the deployment allows private
 * targets, as local development does. Pure: the object checks at create and again at
 * every delivery (rows made before this check, or while the deployment allowed them).
 *
 * The platform's WHATWG URL parser normalises first, so every spelling of an address
 * means one thing here: `http://2130706433/`, `http://0x7f.1/`, `http://017700000001/`,
 * `http://127.1/` and `http://１２７.０.０.１/` are all `127.0.0.1`; `[::ffff:127.0.0.1]`
 * is `[::ffff:7f00:1]`; `ⓛocalhost` and `%6c%6fcalhost` are `localhost`. Ranges come
 * from ipaddr.js's table of special-purpose addresses (IANA registries).
 *
 * What this cannot see: a public name whose DNS answer is a private address (DNS
 * rebinding). A Worker cannot resolve names itself; see the README (Webhooks) for what
 * protects a deployment there.
 */
import ipaddr from 'ipaddr.js';

export type WebhookTarget = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Top-level names that never reach the public Internet: special-use names (RFC 6761:
 * localhost, test, invalid; RFC 6762: local; RFC 8375: home.arpa, and the rest of
 * .arpa), ICANN's private-use `internal`, and names that only private resolvers answer
 * (localdomain, lan, intranet, private, home, corp).
 */
export const PRIVATE_NAME_SUFFIXES: readonly string[] = ['localhost', 'local', 'localdomain', 'internal', 'intranet', 'private', 'lan', 'home', 'corp', 'arpa', 'test', 'invalid'];

const RANGE_WORDS: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (cloud metadata services live there)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (RFC 6598)',
  private: 'a private address (RFC 1918)',
  reserved: 'a reserved or documentation address',
  uniqueLocal: 'a unique-local address (fc00::/7)',
  ipv4Mapped: 'an IPv4-mapped address (use the IPv4 address itself)',
};

const rangeWords = (range: string): string => RANGE_WORDS[range] ?? `a special-purpose address (${range})`;

/** Why a literal address is not a public unicast one, or undefined when it is. */
function addressProblem(host: string): string | undefined {
  if (host.startsWith('[')) {
    const v6 = ipaddr.IPv6.parse(host.slice(1, -1));
    const range = v6.range();
    if (range !== 'unicast') return `${host} is ${rangeWords(range)}`;
    // Global unicast is 2000::/3; everything else (the ::/8 block with its IPv4-compatible
    // forms, 100::/64, ...) is reserved by the IETF, whatever ipaddr.js calls it.
    if ((v6.parts[0]! & 0xe000) !== 0x2000) return `${host} is not a global unicast address (2000::/3)`;
    return undefined;
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) {
    const range = ipaddr.IPv4.parse(host).range();
    return range === 'unicast' ? undefined : `${host} is ${rangeWords(range)}`;
  }
  return undefined;
}

/** Why a DNS name is one only a local resolver would answer, or undefined. */
function nameProblem(hostname: string): string | undefined {
  const name = hostname.replace(/\.+$/, '');
  if (name === '') return 'the host is empty';
  const labels = name.split('.');
  const tld = labels.at(-1)!;
  // The URL parser reads a host ending in a number as an IPv4 address, except after two
  // or more trailing dots (`127.0.0.1..`): then it is a "name" a lenient resolver may
  // still read as the address. No real name ends in a number (RFC 3696 section 2).
  if (/^(\d+|0x[0-9a-f]*)$/i.test(tld)) return `${hostname} ends in a number, so it is an address in disguise, not a name`;
  if (labels.length === 1) return `${name} is a single-label name, resolved only on a local network`;
  if (PRIVATE_NAME_SUFFIXES.includes(tld)) return `${name} ends in .${tld}, which only a local resolver answers`;
  return undefined;
}

/**
 * Check a webhook URL. `allowPrivate` (the deployment's WEBHOOK_ALLOW_PRIVATE) lets
 * private addresses and local names through; the scheme and the no-credentials rules
 * hold always. Returns the normalised URL, or why it is refused (a sentence for the
 * client). Any port is allowed: the rule is about whose network the host is on.
 */
export function checkWebhookTarget(raw: string, opts: { allowPrivate: boolean }): WebhookTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `only http and https URLs are allowed, not ${url.protocol}` };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'a URL with credentials (user:password@) is not allowed: the signing secret authenticates deliveries' };
  if (opts.allowPrivate) return { ok: true, url: url.href };
  const host = url.hostname;
  const problem = host.startsWith('[') || ipaddr.IPv4.isValidFourPartDecimal(host) ? addressProblem(host) : nameProblem(host);
  return problem ? { ok: false, reason: problem } : { ok: true, url: url.href };
}
