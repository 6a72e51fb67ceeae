// How an MCP exchange failed, for a person: what was thrown (SDK errors, JSON-RPC errors, HTTP
// answers, the guarded fetch's refusals) becomes one McpFailure with a sentence; 401/403 challenges
// are parsed and recorded here, and a refusal of every revision names what the server speaks.
import {
  InsufficientScopeError,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SseError,
  UnauthorizedError,
} from '@modelcontextprotocol/client'
import { z } from 'zod'
import { SPOKEN_PROTOCOL_VERSIONS } from '#app/mcp/transport/revisions.ts'
import { type GuardedFetchError, findGuardedFetchError } from '#app/utils/guarded-fetch-errors.server.ts'

/** What a 401/403 answer said about authentication (RFC 6750 / RFC 9728 challenge). */
export type AuthChallenge = {
  status: 401 | 403
  bearer: boolean
  resourceMetadata: string | null
  scope: string | null
  error: string | null
}

/**
 * Why an MCP exchange failed, as the UI explains it. `auth_required` carries the challenge
 * so the caller can tell OAuth (Bearer challenge) from "needs static headers".
 */
export type McpFailureKind =
  | 'auth_required'
  | 'forbidden'
  | 'not_mcp'
  | 'session_expired'
  | 'timeout'
  | 'blocked'
  | 'dns_failure'
  | 'connect_refused'
  | 'tls_error'
  | 'too_large'
  | 'network'
  | 'server_error'
  | 'protocol_error'

export class McpFailure extends Error {
  override name = 'McpFailure'
  constructor(
    readonly kind: McpFailureKind,
    message: string,
    readonly challenge: AuthChallenge | null = null,
    readonly status: number | null = null,
    /** Set when the server refused every revision Switchboard offered: the ones it named. */
    readonly versionRefusal: { supported: string[] } | null = null,
  ) {
    super(message)
  }
}

/** Parses `WWW-Authenticate` for a Bearer challenge and its parameters. */
export function parseAuthChallenge(status: 401 | 403, header: string | null): AuthChallenge {
  const challenge: AuthChallenge = { status, bearer: false, resourceMetadata: null, scope: null, error: null }
  if (!header) return challenge
  const match = /(?:^|,\s*)Bearer(?:\s+(.*))?$/i.exec(header.trim()) ?? /^Bearer\b(.*)$/i.exec(header.trim())
  if (!match) return challenge
  challenge.bearer = true
  const params = match[1] ?? ''
  for (const [, key, quoted, bare] of params.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const value = (quoted ?? bare ?? '').replace(/\\(.)/g, '$1').slice(0, 2048)
    if (key?.toLowerCase() === 'resource_metadata') challenge.resourceMetadata = value
    else if (key?.toLowerCase() === 'scope') challenge.scope = value
    else if (key?.toLowerCase() === 'error') challenge.error = value
  }
  return challenge
}

/**
 * Records the last auth challenge seen on any request of one connection (the SDK drops the
 * header), and the last guarded-fetch failure of its event stream (eventsource flattens it into
 * a string).
 */
export type ChallengeRecorder = {
  last: AuthChallenge | null
  streamError?: GuardedFetchError | null
  /** Told of a stream's guarded-fetch failure at once (the v2 SSE transport does not reject connect for it). */
  onStreamError?: ((error: GuardedFetchError) => void) | undefined
}


const LIMIT_DETAIL = 300

function shortDetail(text: string | undefined): string {
  if (!text) return ''
  const clean = text.replace(/\s+/g, ' ').trim()
  return clean.length > LIMIT_DETAIL ? `${clean.slice(0, LIMIT_DETAIL)}…` : clean
}

/** Turns whatever an MCP exchange threw into an McpFailure with a sentence for a person. */
export function toMcpFailure(error: unknown, recorder?: ChallengeRecorder): McpFailure {
  if (error instanceof McpFailure) return error
  const guarded = findGuardedFetchError(error)
  if (guarded) return fromGuardedFetchError(guarded)
  const refused = findVersionRefusal(error)
  if (refused) return refused
  const challenge = recorder?.last ?? null
  // NOTE: the SDK's SseError carries the HTTP status as `code` (none for a network failure) and
  // flattens the fetch error into the message.
  if (error instanceof SseError) {
    if (recorder?.streamError) return fromGuardedFetchError(recorder.streamError)
    if (/Invalid content type/i.test(error.message)) {
      return new McpFailure('not_mcp', 'The address answered, but not with MCP (unexpected content type).', null, -1)
    }
  }
  // The HTTP+SSE transport's POST to a session the server no longer knows.
  const sseStatus = error instanceof Error ? /^Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(error.message)?.[1] : undefined
  if (sseStatus === '404') return new McpFailure('session_expired', 'The server ended the session.', null, 404)
  // A 401/403 (a refused probe, a refused request, a 403 insufficient_scope without an auth
  // provider): what the challenge recorded says how to get in.
  const authStatus = authRefusalStatus(error)
  if (authStatus !== null && challenge) return authFailure(challenge, authStatus)
  if (error instanceof SdkError && error.code === SdkErrorCode.ClientHttpUnexpectedContent) {
    return new McpFailure('not_mcp', 'The address answered, but not with MCP (unexpected content type).', null, -1)
  }
  const status = error instanceof SdkHttpError ? error.status : error instanceof SseError ? (error.code ?? null) : null
  if (error instanceof SdkHttpError || error instanceof SseError) {
    if ((status === 401 || status === 403) && challenge) return authFailure(challenge, status)
    if (status === 404 && /session/i.test(error.message)) {
      return new McpFailure('session_expired', 'The server ended the session.', null, status)
    }
    if (status !== null && status >= 500) {
      return new McpFailure('server_error', `The server answered with an error (HTTP ${status}).`, null, status)
    }
    if (status === -1 || (status !== null && status >= 400)) {
      return new McpFailure(
        'not_mcp',
        status === -1
          ? 'The address answered, but not with MCP (unexpected content type).'
          : `The address answered HTTP ${status}, not an MCP response.`,
        null,
        status,
      )
    }
  }
  if (error instanceof SdkError) {
    if (error.code === SdkErrorCode.RequestTimeout) return new McpFailure('timeout', 'The server did not answer in time.')
    if (error.code === SdkErrorCode.ConnectionClosed) {
      return new McpFailure('network', 'The connection to the server closed unexpectedly.')
    }
    if (error.code === SdkErrorCode.InvalidResult) {
      return new McpFailure('not_mcp', 'The server answered with something that is not a valid MCP result.')
    }
    if (error.code === SdkErrorCode.EraNegotiationFailed) {
      return new McpFailure('protocol_error', `Switchboard and the server could not agree on an MCP revision: ${shortDetail(error.message)}`)
    }
    return new McpFailure('protocol_error', `The MCP exchange failed: ${shortDetail(error.message)}`)
  }
  if (error instanceof ProtocolError) {
    return new McpFailure('protocol_error', `The server returned an MCP error: ${shortDetail(error.message)}`)
  }
  if (error instanceof SyntaxError || (error instanceof Error && /JSON|parse|Invalid input|ZodError/i.test(error.message))) {
    return new McpFailure('not_mcp', 'The address answered, but not with MCP messages.')
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new McpFailure('timeout', 'The server did not answer in time.')
  }
  return new McpFailure('network', `Could not talk to the server: ${shortDetail(error instanceof Error ? error.message : String(error))}`)
}

/** The HTTP status of an SDK error that means "not authorized" (401/403), whatever its class. */
function authRefusalStatus(error: unknown): 401 | 403 | null {
  if (error instanceof InsufficientScopeError) return 403
  if (error instanceof UnauthorizedError) return 401
  if (error instanceof SdkHttpError && (error.status === 401 || error.status === 403)) return error.status
  return null
}

function authFailure(challenge: AuthChallenge, status: number): McpFailure {
  if (status === 403 && challenge.error !== 'insufficient_scope' && !challenge.bearer) {
    return new McpFailure('forbidden', 'The server refused access (403).', challenge, status)
  }
  return new McpFailure(
    'auth_required',
    challenge.bearer ? 'The server requires you to sign in (OAuth).' : 'The server requires credentials.',
    challenge,
    status,
  )
}

/** MCP 2026-07-28 (SEP-2575): "unsupported protocol version", with `data: { supported, requested }`. */
const UNSUPPORTED_PROTOCOL_VERSION_CODE = -32022
const MAX_ERROR_BODY_CHARS = 65_536
const MAX_VERSIONS_NAMED = 10
/** What a version looks like ("2025-11-25", "DRAFT-2026-v1"); anything else is not repeated to the user. */
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/

const JsonRpcErrorBodySchema = z.object({
  error: z.object({ code: z.number(), message: z.string().optional(), data: z.unknown().optional() }),
})
const VersionErrorDataSchema = z.object({ supported: z.array(z.unknown()) })
const HttpErrorDataSchema = z.object({ text: z.string() })

/**
 * A refusal of every revision we offered, wherever the SDK put it: a JSON-RPC error in-band
 * (2026-07-28 requests: ProtocolError), the body of an HTTP 400 to a 2025 `initialize`
 * (SdkHttpError `data.text`), or the cause of a failed negotiation. Null for anything else.
 */
function findVersionRefusal(error: unknown): McpFailure | null {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof ProtocolError) {
      const refused = refusedVersionFailure({ code: current.code, message: current.message, data: current.data })
      if (refused) return refused
    }
    if (current instanceof SdkError) {
      const body = HttpErrorDataSchema.safeParse(current.data)
      const refused = refusedProtocolVersion(body.success ? body.data.text : undefined)
      if (refused) return refused
    }
    current = current.cause
  }
  return null
}

/** An HTTP error body that is a JSON-RPC "unsupported protocol version" error, as an McpFailure; otherwise null. */
function refusedProtocolVersion(body: string | undefined): McpFailure | null {
  if (!body || body.length > MAX_ERROR_BODY_CHARS) return null
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return null
  }
  const parsed = JsonRpcErrorBodySchema.safeParse(json)
  return parsed.success ? refusedVersionFailure(parsed.data.error) : null
}

/**
 * A JSON-RPC error that refuses our protocol version, as a sentence naming the versions the server
 * speaks; null for any other error. Accepts code -32022 (MCP 2026-07-28) and, from older revisions,
 * any error whose data lists `supported` versions and whose message speaks of a protocol version
 * (2025-06-18 shows -32602 "Unsupported protocol version").
 */
function refusedVersionFailure(error: { code: number; message?: string; data?: unknown }): McpFailure | null {
  const data = VersionErrorDataSchema.safeParse(error.data)
  const named = error.code === UNSUPPORTED_PROTOCOL_VERSION_CODE || (data.success && /protocol version/i.test(error.message ?? ''))
  if (!named) return null
  const versions = (data.success ? data.data.supported : [])
    .filter((version): version is string => typeof version === 'string' && VERSION_PATTERN.test(version))
    .slice(0, MAX_VERSIONS_NAMED)
  const asked = `The server does not speak any MCP revision Switchboard speaks (${SPOKEN_PROTOCOL_VERSIONS.join(', ')}).`
  return new McpFailure(
    'protocol_error',
    versions.length > 0 ? `${asked} It supports: ${versions.join(', ')}.` : `${asked} It did not say which revisions it supports.`,
    null,
    null,
    { supported: versions },
  )
}

/** A guarded-fetch refusal (blocked address, too large, timeout …) as an McpFailure. */
export function fromGuardedFetchError(error: GuardedFetchError): McpFailure {
  switch (error.reason) {
    case 'blocked_address':
    case 'bad_scheme':
    case 'bad_url':
    case 'unsafe_redirect':
      return new McpFailure('blocked', error.message)
    case 'dns_failure':
      return new McpFailure('dns_failure', error.message)
    case 'connect_refused':
      return new McpFailure('connect_refused', error.message)
    case 'connect_timeout':
    case 'timeout':
      return new McpFailure('timeout', error.message)
    case 'tls_error':
      return new McpFailure('tls_error', error.message)
    case 'too_large':
      return new McpFailure('too_large', error.message)
    default:
      return new McpFailure('network', error.message)
  }
}


