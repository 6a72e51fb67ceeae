// The MCP client: how a server is reached (endpoint, transports, the guarded fetch with its challenge
// recorder) and opening a session on the v2 SDK; why an exchange failed lives in failure.server.ts.
import { Client, type FetchLike, type PriorDiscovery, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import {
  type ChallengeRecorder,
  McpFailure,
  fromGuardedFetchError,
  parseAuthChallenge,
  toMcpFailure,
} from '#app/mcp/transport/failure.server.ts'
import { boundIncomingDepth } from '#app/mcp/transport/message-depth.server.ts'
import { BoundedJsonSchemaValidator } from '#app/mcp/transport/output-schema-validator.server.ts'
import { isLegacyRevision } from '#app/mcp/transport/revisions.ts'
import { GuardedFetchError } from '#app/utils/guarded-fetch-errors.server.ts'
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

export const CLIENT_INFO = { name: 'switchboard', version: '0.1.0' }

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
