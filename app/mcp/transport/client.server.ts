import {
  Client,
  type FetchLike,
  InsufficientScopeError,
  type PriorDiscovery,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SSEClientTransport,
  SseError,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client'
import { z } from 'zod'
import { boundIncomingDepth } from '#app/mcp/transport/message-depth.server.ts'
import { BoundedJsonSchemaValidator } from '#app/mcp/transport/output-schema-validator.server.ts'
import { GuardedFetchError, findGuardedFetchError } from '#app/utils/guarded-fetch-errors.server.ts'
import { type GuardedFetch, createGuardedFetch } from '#app/utils/guarded-fetch.server.ts'

/** How a server is reached: `auto` tries Streamable HTTP, then the legacy HTTP+SSE transport. */
export type McpTransportSetting = 'auto' | 'streamable-http' | 'sse'
export type McpTransportKind = 'streamable-http' | 'sse'

export type McpEndpoint = {
  url: string
  transport: McpTransportSetting
  /** Static headers, sent only to the MCP server's own origin. */
  headers: Record<string, string>
  timeoutMs: number
  /**
   * The revision agreed with this server last time (ServerProbe.protocolVersion), if any: a
   * 2025-era one skips the `server/discover` probe and opens with `initialize` straight away.
   */
  protocolVersion?: string | null
}

/** What a 401/403 answer said about authentication (RFC 6750 / RFC 9728 challenge). */
export type AuthChallenge = {
  status: 401 | 403
  bearer: boolean
  resourceMetadata: string | null
  scope: string | null
  error: string | null
}

export const CLIENT_INFO = { name: 'switchboard', version: '0.1.0' }

/** The newest MCP revision Switchboard speaks (the SDK's `server/discover` era). */
export const MODERN_PROTOCOL_VERSION = '2026-07-28'
/** Every revision Switchboard speaks, newest first (README "MCP revisions"). */
export const SPOKEN_PROTOCOL_VERSIONS = [MODERN_PROTOCOL_VERSION, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const

/** Whether a remembered revision belongs to the 2025 era (opened with `initialize`, no `server/discover`). */
export function isLegacyRevision(version: string | null | undefined): boolean {
  return typeof version === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(version) && version < MODERN_PROTOCOL_VERSION
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

/** Slack on top of a server's timeout for the guarded fetch, so the MCP request timeout fires first. */
const FETCH_TIMEOUT_MARGIN_MS = 5_000
const fetchByTimeout = new Map<number, GuardedFetch>()

/**
 * The guarded fetch for a server whose requests may take `timeoutMs` (a tool call may answer
 * with plain JSON only after a long while). One per distinct timeout, each with its own pool.
 */
export function guardedFetchFor(timeoutMs: number): GuardedFetch {
  let fetch = fetchByTimeout.get(timeoutMs)
  if (!fetch) {
    const limit = timeoutMs + FETCH_TIMEOUT_MARGIN_MS
    fetch = createGuardedFetch({ headersTimeoutMs: limit, bodyTimeoutMs: limit })
    fetchByTimeout.set(timeoutMs, fetch)
  }
  return fetch
}

/**
 * The fetch an MCP transport uses: the guarded fetch, plus the static headers on requests to
 * the server's own origin only, recording 401/403 challenges on the way.
 */
export function mcpFetch(endpoint: McpEndpoint, recorder: ChallengeRecorder, base: FetchLike = guardedFetchFor(endpoint.timeoutMs)): FetchLike {
  const origin = new URL(endpoint.url).origin
  return async (input, init) => {
    const url = new URL(input instanceof URL ? input.href : String(input))
    const headers = new Headers(init?.headers)
    if (url.origin === origin) {
      for (const [name, value] of Object.entries(endpoint.headers)) headers.set(name, value)
    }
    let response: Response
    try {
      response = await base(url, { ...init, headers })
    } catch (error) {
      if (error instanceof GuardedFetchError) noteStreamError(recorder, error)
      throw error
    }
    if (response.status === 401 || response.status === 403) {
      recorder.last = parseAuthChallenge(response.status, response.headers.get('www-authenticate'))
    }
    if (response.body && response.headers.get('content-type')?.split(';')[0]?.trim() === 'text/event-stream') {
      return recordStreamErrors(response, recorder)
    }
    return response
  }
}

function noteStreamError(recorder: ChallengeRecorder, error: GuardedFetchError): void {
  recorder.streamError = error
  recorder.onStreamError?.(error)
}

/** The same response, noting a GuardedFetchError that ends its body (too large, broken off, idle). */
function recordStreamErrors(response: Response, recorder: ChallengeRecorder): Response {
  const reader = response.body?.getReader()
  if (!reader) return response
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read()
        if (chunk.done) controller.close()
        else controller.enqueue(chunk.value)
      } catch (error) {
        if (error instanceof GuardedFetchError) noteStreamError(recorder, error)
        controller.error(error)
      }
    },
    cancel: (reason) => reader.cancel(reason),
  })
  const wrapped = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  Object.defineProperty(wrapped, 'url', { value: response.url })
  Object.defineProperty(wrapped, 'redirected', { value: response.redirected })
  return wrapped
}

export type OpenedClient = {
  client: Client
  transport: McpTransportKind
  recorder: ChallengeRecorder
  /** The revision this session speaks (e.g. `2026-07-28`, `2025-11-25`); null when the server never said. */
  protocolVersion: string | null
}

/** HTTP statuses after which the spec says to retry the initialize over the legacy SSE transport. */
const SSE_FALLBACK_STATUSES = new Set([400, 404, 405])

/**
 * Connects and initializes an MCP client. With `auto`, an initialize refused with 400/404/405
 * over Streamable HTTP is retried with the HTTP+SSE transport (spec: backwards compatibility).
 * Throws McpFailure.
 */
export async function openMcpClient(endpoint: McpEndpoint, options: { fetch?: FetchLike } = {}): Promise<OpenedClient> {
  const recorder: ChallengeRecorder = { last: null }
  const fetch = mcpFetch(endpoint, recorder, options.fetch)
  const url = new URL(endpoint.url)
  const attempt = async (kind: McpTransportKind, prior: PriorDiscovery | undefined): Promise<OpenedClient> => {
    const client = new Client(CLIENT_INFO, {
      capabilities: {},
      // Output schemas are compiled by our bounded validator: a hostile one must not break listTools.
      jsonSchemaValidator: new BoundedJsonSchemaValidator(),
      // Streamable HTTP: `server/discover` first (MCP 2026-07-28), `initialize` when the server is
      // of the 2025 era. The HTTP+SSE transport predates 2026-07-28: plain `initialize` only.
      versionNegotiation: { mode: kind === 'streamable-http' ? 'auto' : 'legacy', probe: { timeoutMs: endpoint.timeoutMs } },
    })
    const transport =
      kind === 'streamable-http'
        ? new StreamableHTTPClientTransport(url, { fetch })
        : new SSEClientTransport(url, { fetch, eventSourceInit: { fetch } })
    boundIncomingDepth(transport)
    let timer: NodeJS.Timeout | undefined
    try {
      // NOTE: the SSE transport waits for its `endpoint` event without any timeout of its own.
      await Promise.race([
        client.connect(transport, { timeout: endpoint.timeoutMs, ...(prior ? { prior } : {}) }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new McpFailure('timeout', 'The server did not answer in time.')), endpoint.timeoutMs)
        }),
        // An event stream cut by the guarded fetch (too large, idle) ends the wait with its reason.
        new Promise<never>((_, reject) => {
          recorder.onStreamError = (error) => reject(fromGuardedFetchError(error))
        }),
      ])
      return { client, transport: kind, recorder, protocolVersion: client.getNegotiatedProtocolVersion() ?? null }
    } catch (error) {
      await client.close().catch(() => {})
      throw error
    } finally {
      clearTimeout(timer)
      recorder.onStreamError = undefined
    }
  }
  if (endpoint.transport === 'sse') return attempt('sse', undefined).catch((error) => Promise.reject(toMcpFailure(error, recorder)))
  try {
    return await openStreamableHttp(endpoint, recorder, attempt)
  } catch (error) {
    const failure = toMcpFailure(error, recorder)
    // A refused protocol version came from a Streamable HTTP server: no SSE retry.
    const fallback =
      endpoint.transport === 'auto' &&
      !failure.versionRefusal &&
      (failure.kind === 'not_mcp' || (failure.status !== null && SSE_FALLBACK_STATUSES.has(failure.status)))
    if (!fallback) throw failure
    try {
      return await attempt('sse', undefined)
    } catch (sseError) {
      const sseFailure = toMcpFailure(sseError, recorder)
      // The first answer usually explains more (e.g. "this is an HTML page"), unless SSE found auth.
      throw sseFailure.kind === 'auth_required' ? sseFailure : failure
    }
  }
}

/**
 * Streamable HTTP with the revision remembered for this server: a 2025-era one opens with
 * `initialize` at once (no probe round trip). A server that has since moved to 2026-07-28 only
 * refuses that `initialize` with its supported versions, and then the negotiation runs afresh.
 */
async function openStreamableHttp(
  endpoint: McpEndpoint,
  recorder: ChallengeRecorder,
  attempt: (kind: McpTransportKind, prior: PriorDiscovery | undefined) => Promise<OpenedClient>,
): Promise<OpenedClient> {
  if (!isLegacyRevision(endpoint.protocolVersion)) return attempt('streamable-http', undefined)
  try {
    return await attempt('streamable-http', { kind: 'legacy' })
  } catch (error) {
    if (!toMcpFailure(error, recorder).versionRefusal) throw error
    return attempt('streamable-http', undefined)
  }
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

function fromGuardedFetchError(error: GuardedFetchError): McpFailure {
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


