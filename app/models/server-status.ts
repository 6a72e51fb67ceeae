// One status per person per server, derived from the rows alone (no network): the words the
// server page's header, the server list, the Tools page, the OAuth panel and the Overview show.
// Pure, so every page says the same thing about the same rows (docs/decisions/025-one-server-status.md).
import type { AuthType } from '#app/models/server-fields.ts'

export type ServerStatusKind =
  | 'disabled'
  | 'unreachable'
  | 'blocked'
  | 'not_tested'
  | 'ready'
  | 'needs_headers'
  | 'headers_refused'
  | 'needs_sign_in'
  | 'needs_admin_sign_in'
  | 'needs_reconnect'
  | 'connected'

export type ServerStatusTone = 'ok' | 'warn' | 'error' | 'neutral'

/** What a badge shows: `label` is the whole sentence, the same on every page. */
export type ServerStatus = { kind: ServerStatusKind; label: string; tone: ServerStatusTone }

/** The person's (or the shared) OAuth connection as stored; null when there is none. */
export type StatusConnection = {
  status: string
  /** The connection was made for an older configuration of the server (configVersion). */
  stale: boolean
  /** Who made a shared connection, when known. */
  connectedByName?: string | null
}

export type ServerStatusInput = {
  enabled: boolean
  authType: AuthType
  /** How many static headers are stored (names only). */
  headerCount: number
  probeOutcome: string | null
  probedAt: Date | string | null
  /** For OAuth servers: the connection the person would use (their own, or the shared one). */
  connection: StatusConnection | null
  shared: boolean
}

/** Probe outcomes that mean nothing answered as an MCP server (the outbound rules' refusal is said apart). */
const UNREACHABLE = new Set([
  'not_mcp',
  'dns_failure',
  'connect_refused',
  'tls_error',
  'timeout',
  'too_large',
  'server_error',
  'network',
  'protocol_error',
])

/**
 * The one status of a server for one person, from its stored rows. `now` decides whether the
 * time of a failed test needs its date (pass the request's time; the label is computed on the
 * server, so the browser never recomputes it in another time zone or day).
 */
export function deriveServerStatus(input: ServerStatusInput, now: Date = new Date()): ServerStatus {
  if (!input.enabled) return { kind: 'disabled', label: 'Disabled', tone: 'neutral' }
  const outcome = input.probeOutcome
  if (outcome === 'blocked') return { kind: 'blocked', label: 'Refused by outbound rules', tone: 'error' }
  if (outcome !== null && UNREACHABLE.has(outcome)) {
    // NOTE: only the latest test is stored, so this is when it was last found down, not when it went down.
    const at = input.probedAt ? ` at ${formatStatusTime(input.probedAt, now)}` : ''
    return { kind: 'unreachable', label: `Unreachable${at}`, tone: 'error' }
  }
  if (input.authType === 'oauth') return oauthStatus(input)
  if (input.authType === 'headers') {
    if (input.headerCount === 0) return { kind: 'needs_headers', label: 'Needs headers', tone: 'warn' }
    // The last test sent the stored headers and was still asked for credentials.
    if (outcome === 'headers_required' || outcome === 'credentials_required' || outcome === 'forbidden') {
      return { kind: 'headers_refused', label: 'Headers refused', tone: 'error' }
    }
  }
  if (outcome === null) return { kind: 'not_tested', label: 'Not tested', tone: 'neutral' }
  // An admin locked "no authentication" but the server asks for some.
  if (outcome === 'headers_required' || outcome === 'credentials_required') return { kind: 'needs_headers', label: 'Needs headers', tone: 'warn' }
  if (outcome === 'oauth') return { kind: 'needs_sign_in', label: 'Needs sign-in', tone: 'warn' }
  if (outcome === 'forbidden') return { kind: 'headers_refused', label: 'Access refused', tone: 'error' }
  return { kind: 'ready', label: 'Ready', tone: 'ok' }
}

function oauthStatus(input: ServerStatusInput): ServerStatus {
  const connection = input.connection
  if (!connection) {
    return input.shared
      ? { kind: 'needs_admin_sign_in', label: 'Needs sign-in by an admin', tone: 'warn' }
      : { kind: 'needs_sign_in', label: 'Needs sign-in', tone: 'warn' }
  }
  if (connection.status !== 'connected' || connection.stale) return { kind: 'needs_reconnect', label: 'Needs reconnect', tone: 'warn' }
  // NOTE: Switchboard keeps no account name from the authorization server (no column for it), so a
  // personal connection says "Connected"; a shared one names the member who made it.
  if (input.shared) {
    return { kind: 'connected', label: connection.connectedByName ? `Connected (shared, by ${connection.connectedByName})` : 'Connected (shared)', tone: 'ok' }
  }
  return { kind: 'connected', label: 'Connected', tone: 'ok' }
}

/** "10:42 UTC" today, "2026-12-04 10:42 UTC" another day (the app shows times in UTC everywhere). */
export function formatStatusTime(value: Date | string, now: Date): string {
  const iso = new Date(value).toISOString()
  const sameDay = iso.slice(0, 10) === now.toISOString().slice(0, 10)
  return `${sameDay ? iso.slice(11, 16) : iso.replace('T', ' ').slice(0, 16)} UTC`
}
