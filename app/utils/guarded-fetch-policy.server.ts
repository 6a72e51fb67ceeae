/** The limits of a guarded fetch (docs/decisions/005-guarded-fetch.md): the defaults and the policy type. */

export const CONNECT_TIMEOUT_MS = 10_000
/** From the call until the final response's headers, across redirects. */
export const HEADERS_TIMEOUT_MS = 30_000
/** Whole-body limit for responses that are not event streams, from the headers on. */
export const BODY_TIMEOUT_MS = 30_000
/** Longest silence between two chunks of a text/event-stream body; such bodies have no total limit. */
export const EVENT_STREAM_IDLE_TIMEOUT_MS = 5 * 60_000
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024
export const MAX_EVENT_STREAM_BYTES = 64 * 1024 * 1024
export const MAX_REDIRECTS = 5

export type OutboundPolicy = {
  /** CIDRs, single addresses and exact host names exempt from the address rules (OUTBOUND_ALLOWED_NETWORKS). */
  allowedNetworks: readonly string[]
  connectTimeoutMs: number
  headersTimeoutMs: number
  bodyTimeoutMs: number
  eventStreamIdleTimeoutMs: number
  maxResponseBytes: number
  maxEventStreamBytes: number
  maxRedirects: number
  /** Reuse connections (default). Off for rare, non-idempotent requests such as OAuth token calls, which a stale pooled socket would fail. */
  keepAlive: boolean
}
