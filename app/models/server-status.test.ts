import { expect, test } from 'vitest'
import { type ServerStatusInput, deriveServerStatus, formatStatusTime } from '#app/models/server-status.ts'

const now = new Date('2026-12-05T12:00:00Z')
const base: ServerStatusInput = {
  enabled: true,
  authType: 'none',
  headerCount: 0,
  probeOutcome: 'open',
  probedAt: new Date('2026-12-05T10:42:00Z'),
  connection: null,
  shared: false,
}
const label = (input: Partial<ServerStatusInput>) => deriveServerStatus({ ...base, ...input }, now).label

test('an open server is Ready; a disabled one says Disabled whatever else is true', () => {
  expect(label({})).toBe('Ready')
  expect(label({ enabled: false, probeOutcome: 'timeout' })).toBe('Disabled')
  expect(label({ probeOutcome: null, probedAt: null })).toBe('Not tested')
})

test('a server found down says since when it was last found so, with the date on another day', () => {
  expect(label({ probeOutcome: 'connect_refused' })).toBe('Unreachable at 10:42 UTC')
  expect(label({ probeOutcome: 'timeout', probedAt: new Date('2026-12-04T23:10:00Z') })).toBe('Unreachable at 2026-12-04 23:10 UTC')
  expect(label({ probeOutcome: 'blocked' })).toBe('Refused by outbound rules')
})

test('an OAuth server is Connected, Needs sign-in or Needs reconnect for this person; the probe’s 401 is no problem', () => {
  const oauth = { authType: 'oauth' as const, probeOutcome: 'oauth' }
  expect(label(oauth)).toBe('Needs sign-in')
  expect(label({ ...oauth, connection: { status: 'connected', stale: false } })).toBe('Connected')
  expect(label({ ...oauth, connection: { status: 'connected', stale: true } })).toBe('Needs reconnect')
  expect(label({ ...oauth, connection: { status: 'needs_reauth', stale: false } })).toBe('Needs reconnect')
  expect(label({ ...oauth, shared: true })).toBe('Needs sign-in by an admin')
  expect(label({ ...oauth, shared: true, connection: { status: 'connected', stale: false, connectedByName: 'Ada' } })).toBe('Connected (shared, by Ada)')
})

test('a header server Needs headers until one is stored, and says so when the stored one is refused', () => {
  const headers = { authType: 'headers' as const }
  expect(label({ ...headers, probeOutcome: 'headers_required' })).toBe('Needs headers')
  expect(label({ ...headers, headerCount: 1, probeOutcome: 'open' })).toBe('Ready')
  expect(label({ ...headers, headerCount: 1, probeOutcome: 'headers_required' })).toBe('Headers refused')
})

test('status times are UTC, with the date only when it is not today', () => {
  expect(formatStatusTime('2026-12-05T00:05:00Z', now)).toBe('00:05 UTC')
  expect(formatStatusTime('2025-01-31T09:00:00Z', now)).toBe('2025-01-31 09:00 UTC')
})
