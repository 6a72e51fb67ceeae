import { expect, test } from 'vitest'
import { ConfigError } from '#app/utils/env.server.ts'
import { classifyAddress, createAddressRules, describeAddressClass } from '#app/utils/ip-rules.server.ts'

test.each([
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'link-local'],
  ['100.64.0.1', 'shared'],
  ['100.127.255.255', 'shared'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['192.88.99.1', 'reserved'],
  ['192.0.2.1', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['198.18.0.1', 'benchmark'],
  ['198.19.255.255', 'benchmark'],
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fc00::1', 'private'],
  ['fd12:3456::1', 'private'],
  ['fec0::1', 'private'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001:2::1', 'benchmark'],
  ['2001::1', 'reserved'],
  ['100::1', 'reserved'],
  ['64:ff9b:1::1', 'reserved'],
  ['::7f00:1', 'reserved'],
])('%s is refused as %s', (address, category) => {
  expect(classifyAddress(address)).toEqual({ category })
})

test.each([
  ['::ffff:127.0.0.1', 'loopback', '127.0.0.1', 'IPv4-mapped'],
  ['::ffff:a9fe:a9fe', 'link-local', '169.254.169.254', 'IPv4-mapped'],
  ['64:ff9b::10.0.0.1', 'private', '10.0.0.1', 'NAT64'],
  ['2002:7f00:1::', 'loopback', '127.0.0.1', '6to4'],
  ['2002:a9fe:a9fe::1', 'link-local', '169.254.169.254', '6to4'],
])('%s carries a blocked IPv4 address and is refused', (address, category, embedded, form) => {
  expect(classifyAddress(address)).toEqual({ category, embedded: { address: embedded, form } })
})

test.each([
  '8.8.8.8',
  '93.184.216.34',
  '100.63.255.255',
  '100.128.0.0',
  '172.32.0.1',
  '11.0.0.1',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
])('%s is a public address', (address) => {
  expect(classifyAddress(address)).toBeNull()
})

test('descriptions name the category and the IPv4 address inside an IPv6 form', () => {
  expect(describeAddressClass({ category: 'loopback' })).toBe('a loopback address')
  expect(describeAddressClass(classifyAddress('::ffff:127.0.0.1')!)).toBe(
    'the IPv4-mapped form of 127.0.0.1, a loopback address',
  )
})

test('without an allowlist every special address is refused, and public ones pass', () => {
  const rules = createAddressRules([])
  expect(rules.checkAddress('10.0.0.1')).toEqual({
    ok: false,
    address: '10.0.0.1',
    classification: { category: 'private' },
  })
  expect(rules.checkAddress('8.8.8.8')).toEqual({ ok: true })
  expect(rules.checkResolved('localhost', ['127.0.0.1', '::1']).ok).toBe(false)
})

test('a CIDR allows its range only, in every IPv6 form of its IPv4 addresses', () => {
  const rules = createAddressRules(['127.0.0.0/8', 'fd00::/8', '192.168.1.10'])
  expect(rules.checkAddress('127.0.0.1').ok).toBe(true)
  expect(rules.checkAddress('::ffff:127.0.0.1').ok).toBe(true)
  expect(rules.checkAddress('64:ff9b::7f00:1').ok).toBe(true)
  expect(rules.checkAddress('fd00::5').ok).toBe(true)
  expect(rules.checkAddress('192.168.1.10').ok).toBe(true)
  expect(rules.checkAddress('192.168.1.11').ok).toBe(false)
  expect(rules.checkAddress('::1').ok).toBe(false)
  expect(rules.checkAddress('fc00::5').ok).toBe(false)
  expect(rules.checkAddress('169.254.169.254').ok).toBe(false)
})

test('a host name entry exempts that exact name (any case, trailing dot) and no other', () => {
  const rules = createAddressRules(['MCP.Internal.', '[::1]'])
  expect(rules.checkResolved('mcp.internal', ['10.0.0.5', '127.0.0.1']).ok).toBe(true)
  expect(rules.checkResolved('mcp.internal.', ['10.0.0.5']).ok).toBe(true)
  expect(rules.checkResolved('other.internal', ['10.0.0.5']).ok).toBe(false)
  expect(rules.checkResolved('sub.mcp.internal', ['10.0.0.5']).ok).toBe(false)
  expect(rules.checkAddress('::1').ok).toBe(true)
})

test('a name with both public and private addresses is refused, naming the private one', () => {
  const verdict = createAddressRules([]).checkResolved('mixed.example', ['93.184.216.34', '10.0.0.5'])
  expect(verdict).toEqual({ ok: false, address: '10.0.0.5', classification: { category: 'private' } })
})

test.each([
  '10.0.0.0/33',
  'fd00::/129',
  '10.0.0.0/',
  '10.0.0.0/abc',
  'not a host',
  'mcp.internal:8080',
  'http://mcp.internal',
])('the allowlist entry %j is a configuration error', (entry) => {
  expect(() => createAddressRules([entry])).toThrow(ConfigError)
  expect(() => createAddressRules([entry])).toThrow(/OUTBOUND_ALLOWED_NETWORKS/)
})
