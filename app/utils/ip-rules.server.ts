import { BlockList, isIP, isIPv4 } from 'node:net'
import { ConfigError } from '#app/utils/env.server.ts'

/**
 * Which IP addresses outbound requests may reach (docs/decisions/005-guarded-fetch.md).
 * Only globally reachable unicast addresses pass, unless OUTBOUND_ALLOWED_NETWORKS exempts
 * the address or the host name. Ranges follow the IANA special-purpose registries
 * (RFC 6890 and its updates): https://www.iana.org/assignments/iana-ipv4-special-registry
 * and https://www.iana.org/assignments/iana-ipv6-special-registry.
 */

export type AddressCategory =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmark'

/** An IPv6 form that carries an IPv4 address the packets end up at. */
export type EmbeddingForm = 'IPv4-mapped' | 'NAT64' | '6to4'

/** Why an address is not public; `embedded` names the IPv4 address inside an IPv6 one. */
export type AddressClass = {
  category: AddressCategory
  embedded?: { address: string; form: EmbeddingForm }
}

export type AddressVerdict = { ok: true } | { ok: false; address: string; classification: AddressClass }

export type AddressRules = {
  /** Checks one address (an IP literal the user typed, or one that a name resolved to). */
  checkAddress(address: string): AddressVerdict
  /** Checks every address `hostname` resolved to; the first one not allowed decides. */
  checkResolved(hostname: string, addresses: readonly string[]): AddressVerdict
}

type Range = readonly [network: string, prefix: number]

const IPV4_RANGES: ReadonlyArray<readonly [AddressCategory, readonly Range[]]> = [
  ['broadcast', [['255.255.255.255', 32]]],
  ['unspecified', [['0.0.0.0', 8]]],
  ['loopback', [['127.0.0.0', 8]]],
  [
    'private',
    [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
    ],
  ],
  // 169.254.169.254 (cloud metadata) lives here.
  ['link-local', [['169.254.0.0', 16]]],
  // RFC 6598 carrier-grade NAT.
  ['shared', [['100.64.0.0', 10]]],
  [
    'documentation',
    [
      ['192.0.2.0', 24],
      ['198.51.100.0', 24],
      ['203.0.113.0', 24],
    ],
  ],
  ['benchmark', [['198.18.0.0', 15]]],
  ['multicast', [['224.0.0.0', 4]]],
  // 192.0.0.0/24: IETF protocol assignments; 192.88.99.0/24: the retired 6to4 relay anycast; 240/4: future use.
  [
    'reserved',
    [
      ['192.0.0.0', 24],
      ['192.88.99.0', 24],
      ['240.0.0.0', 4],
    ],
  ],
]

const IPV6_RANGES: ReadonlyArray<readonly [AddressCategory, readonly Range[]]> = [
  ['unspecified', [['::', 128]]],
  ['loopback', [['::1', 128]]],
  // fc00::/7 unique local; fec0::/10 the deprecated site-local, still routed by some stacks.
  [
    'private',
    [
      ['fc00::', 7],
      ['fec0::', 10],
    ],
  ],
  ['link-local', [['fe80::', 10]]],
  ['multicast', [['ff00::', 8]]],
  [
    'documentation',
    [
      ['2001:db8::', 32],
      ['3fff::', 20],
    ],
  ],
  ['benchmark', [['2001:2::', 48]]],
  // Teredo (2001::/32) tunnels to an obfuscated IPv4 address; ORCHID (2001:10::/28, 2001:20::/28) is not routable.
  [
    'reserved',
    [
      ['2001::', 32],
      ['2001:10::', 28],
      ['2001:20::', 28],
    ],
  ],
]

function buildList(ranges: readonly Range[], family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList()
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family)
  return list
}

// NOTE: one BlockList per family. A BlockList matches an IPv4 address against IPv6 rules
// through its mapped form (::ffff:a.b.c.d), so a mixed list would let `::/8` swallow all of IPv4.
const ipv4Categories = IPV4_RANGES.map(([category, ranges]) => ({ category, list: buildList(ranges, 'ipv4') }))
const ipv6Categories = IPV6_RANGES.map(([category, ranges]) => ({ category, list: buildList(ranges, 'ipv6') }))
/** 2000::/3 is the only IPv6 space IANA hands out as global unicast; everything else is special. */
const ipv6GlobalUnicast = buildList([['2000::', 3]], 'ipv6')

/** The eight 16-bit groups of a valid IPv6 address (without zone id). */
function ipv6Groups(address: string): number[] {
  let text = address
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number)
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const parse = (part: string) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : [])
  const [head = '', rest] = text.split('::')
  if (rest === undefined) return parse(head)
  const left = parse(head)
  const right = parse(rest)
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
}

/** The IPv4 address an IPv6 address forwards to, for the forms that do (RFC 4291, RFC 6052, RFC 3056). */
function embeddedIPv4(address: string): { address: string; form: EmbeddingForm } | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = ipv6Groups(address)
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return { address: ipv4FromGroups(g6, g7), form: 'IPv4-mapped' }
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return { address: ipv4FromGroups(g6, g7), form: 'NAT64' }
  }
  if (g0 === 0x2002) {
    return { address: ipv4FromGroups(g1, g2), form: '6to4' }
  }
  return null
}

function withoutZone(address: string): string {
  const percent = address.indexOf('%')
  return percent === -1 ? address : address.slice(0, percent)
}

function classifyIPv4(address: string): AddressCategory | null {
  return ipv4Categories.find(({ list }) => list.check(address, 'ipv4'))?.category ?? null
}

/**
 * Says why an address is not a public unicast address, or null when it is one.
 * Throws when `address` is not an IP address.
 */
export function classifyAddress(input: string): AddressClass | null {
  const address = withoutZone(input)
  if (isIPv4(address)) {
    const category = classifyIPv4(address)
    return category ? { category } : null
  }
  if (isIP(address) !== 6) throw new Error('classifyAddress expects an IP address')
  const embedded = embeddedIPv4(address)
  if (embedded) {
    const category = classifyIPv4(embedded.address)
    return category ? { category, embedded } : null
  }
  const category = ipv6Categories.find(({ list }) => list.check(address, 'ipv6'))?.category
  if (category) return { category }
  return ipv6GlobalUnicast.check(address, 'ipv6') ? null : { category: 'reserved' }
}

const CATEGORY_TEXT: Record<AddressCategory, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  'link-local': 'a link-local address',
  shared: 'a carrier-grade NAT (shared) address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  reserved: 'a reserved address',
  documentation: 'a documentation-only address',
  benchmark: 'a benchmarking address',
}

/** "a loopback address", or "the IPv4-mapped form of 127.0.0.1, a loopback address". */
export function describeAddressClass(classification: AddressClass): string {
  const text = CATEGORY_TEXT[classification.category]
  const { embedded } = classification
  return embedded ? `the ${embedded.form} form of ${embedded.address}, ${text}` : text
}

/** Canonical host name for comparison: what the URL parser makes of it, without a trailing dot. */
function canonicalHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '')
}

const HOST_ENTRY_PATTERN = /^[^\s/?#@:[\]\\]+$/

/**
 * Builds the address rules for an allowlist of CIDRs, single addresses and exact host names
 * (OUTBOUND_ALLOWED_NETWORKS). An allowed host name exempts every address it resolves to.
 * Throws ConfigError naming the first entry that is none of these.
 */
export function createAddressRules(allowedNetworks: readonly string[]): AddressRules {
  const allowedV4 = new BlockList()
  const allowedV6 = new BlockList()
  const allowedHosts = new Set<string>()
  const addAddress = (address: string, prefix?: number) => {
    const family = isIP(address)
    const list = family === 4 ? allowedV4 : allowedV6
    list.addSubnet(address, prefix ?? (family === 4 ? 32 : 128), family === 4 ? 'ipv4' : 'ipv6')
  }

  for (const raw of allowedNetworks) {
    const entry = raw.trim().replace(/^\[(.*)\]$/, '$1')
    if (!entry) continue
    const invalid = () =>
      new ConfigError(
        `OUTBOUND_ALLOWED_NETWORKS entry "${raw}" is not a CIDR (10.0.0.0/8, fd00::/8), an IP address or a host name`,
      )
    const slash = entry.indexOf('/')
    if (slash !== -1) {
      const network = withoutZone(entry.slice(0, slash))
      const prefixText = entry.slice(slash + 1)
      const family = isIP(network)
      const prefix = Number(prefixText)
      if (!family || !/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw invalid()
      addAddress(network, prefix)
    } else if (isIP(withoutZone(entry))) {
      addAddress(withoutZone(entry))
    } else {
      if (!HOST_ENTRY_PATTERN.test(entry) || !URL.canParse(`http://${entry}/`)) throw invalid()
      // The URL parser lower-cases, applies IDNA and turns "127.1" into "127.0.0.1", as it does for requests.
      const hostname = new URL(`http://${entry}/`).hostname
      if (isIP(hostname)) addAddress(hostname)
      else allowedHosts.add(canonicalHostname(hostname))
    }
  }

  const isAllowedAddress = (address: string, classification: AddressClass) => {
    if (isIPv4(address)) return allowedV4.check(address, 'ipv4')
    if (allowedV6.check(address, 'ipv6')) return true
    // An IPv4 rule also covers that address in its mapped, NAT64 or 6to4 form.
    return classification.embedded !== undefined && allowedV4.check(classification.embedded.address, 'ipv4')
  }

  const checkAddress = (input: string): AddressVerdict => {
    const address = withoutZone(input)
    const classification = classifyAddress(address)
    if (!classification || isAllowedAddress(address, classification)) return { ok: true }
    return { ok: false, address, classification }
  }

  return {
    checkAddress,
    checkResolved(hostname, addresses) {
      if (allowedHosts.has(canonicalHostname(hostname))) return { ok: true }
      for (const address of addresses) {
        const verdict = checkAddress(address)
        if (!verdict.ok) return verdict
      }
      return { ok: true }
    },
  }
}
