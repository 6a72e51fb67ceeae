import type { FetchLike } from '@modelcontextprotocol/client'
import { type McpEndpoint, type McpTransportKind, guardedFetchFor, openMcpClient } from '#app/mcp/transport/client.server.ts'
import { type AuthChallenge, type McpFailure, type McpFailureKind, toMcpFailure } from '#app/mcp/transport/failure.server.ts'
import { publishedResourceMetadataUrl, publishesAuthorizationServerMetadata } from '#app/oauth/detection.server.ts'

/** What the probe concluded; stored on the server row with its time. */
export type ProbeOutcome =
  | 'open'
  | 'oauth'
  | 'headers_required'
  | 'credentials_required'
  | Exclude<McpFailureKind, 'auth_required' | 'session_expired'>

export type ProbeResult = {
  outcome: ProbeOutcome
  /** A sentence for the person who added the server. */
  message: string
  transport: McpTransportKind | null
  serverName: string | null
  serverVersion: string | null
  protocolVersion: string | null
  toolCount: number | null
  /** For `oauth`: where the protected-resource metadata is, when known. */
  resourceMetadataUrl: string | null
  /** For `oauth`: scopes the challenge asked for, when it said. */
  scope: string | null
}

const emptyResult = {
  transport: null,
  serverName: null,
  serverVersion: null,
  protocolVersion: null,
  toolCount: null,
  resourceMetadataUrl: null,
  scope: null,
} satisfies Omit<ProbeResult, 'outcome' | 'message'>

/**
 * Connects to an MCP server without credentials (or with the static headers given) and
 * classifies how it authenticates: open, OAuth (Bearer challenge with metadata, or
 * protected-resource metadata at the well-known paths), static headers, or why it failed.
 * Opens a session, lists tools, and closes the session again. Never throws.
 */
export async function probeMcpServer(
  endpoint: McpEndpoint,
  baseFetch: FetchLike = guardedFetchFor(endpoint.timeoutMs),
): Promise<ProbeResult> {
  let opened: Awaited<ReturnType<typeof openMcpClient>> | null = null
  const refusal: RefusalNote = { last: null }
  const fetch = noteRefusals(baseFetch, refusal)
  try {
    // A probe decides the revision afresh (server/discover first): what it agrees is remembered.
    opened = await openMcpClient({ ...endpoint, protocolVersion: null }, { fetch })
    const version = opened.client.getServerVersion()
    const base = {
      ...emptyResult,
      transport: opened.transport,
      serverName: version?.name?.slice(0, 200) ?? null,
      serverVersion: version?.version?.slice(0, 100) ?? null,
      protocolVersion: opened.protocolVersion,
    }
    try {
      const tools = await opened.client.listTools(undefined, { timeout: endpoint.timeoutMs })
      return {
        ...base,
        outcome: 'open',
        toolCount: tools.tools.length,
        message:
          Object.keys(endpoint.headers).length > 0
            ? `Connected with the configured headers: ${tools.tools.length} tool${tools.tools.length === 1 ? '' : 's'}.`
            : `No authentication needed: ${tools.tools.length} tool${tools.tools.length === 1 ? '' : 's'} available.`,
      }
    } catch (error) {
      // Some servers open `initialize` to everyone and ask for credentials on later requests.
      const failure = toMcpFailure(error, opened.recorder)
      if (failure.kind === 'auth_required' || failure.kind === 'forbidden') {
        return { ...base, ...(await classifyAuth(endpoint, failure.challenge, refusal.last)) }
      }
      return { ...base, outcome: failureOutcome(failure), message: failure.message }
    }
  } catch (error) {
    const failure = toMcpFailure(error)
    if (failure.kind === 'auth_required' || failure.kind === 'forbidden') {
      return { ...emptyResult, ...(await classifyAuth(endpoint, failure.challenge, refusal.last)) }
    }
    return { ...emptyResult, outcome: failureOutcome(failure), message: failure.message }
  } finally {
    if (opened) await closeQuietly(opened)
  }
}

function failureOutcome(failure: McpFailure): ProbeOutcome {
  if (failure.kind === 'auth_required' || failure.kind === 'forbidden') return 'headers_required'
  if (failure.kind === 'session_expired') return 'protocol_error'
  return failure.kind
}

async function closeQuietly(opened: Awaited<ReturnType<typeof openMcpClient>>) {
  const transport = opened.client.transport
  // End the session the probe opened (Streamable HTTP: DELETE with the session id).
  if (transport && 'terminateSession' in transport && typeof transport.terminateSession === 'function') {
    await Promise.resolve(transport.terminateSession()).catch(() => {})
  }
  await opened.client.close().catch(() => {})
}

type AuthClassification = Pick<ProbeResult, 'outcome' | 'message' | 'resourceMetadataUrl' | 'scope'>

/** What the last 401/403 said about the kind of credentials it wants, besides a Bearer challenge. */
type Refusal = {
  status: number
  /** The auth-schemes named in `WWW-Authenticate` (lower case), e.g. `basic`, `apikey`. */
  schemes: string[]
  /** The answer's body names an API key or an `X-` header (e.g. "Send the X-Api-Key header"). */
  headerHint: boolean
}
type RefusalNote = { last: Refusal | null }

/** How much of a refusal's body is read for a hint: error bodies are short. */
const HINT_BODY_MAX_CHARS = 2048
// NOTE: "header" alone is no hint: the SDK's bearer middleware says "Missing Authorization header".
const HEADER_HINT = /api[\s_-]?key|\bx-[a-z0-9]+(?:-[a-z0-9]+)*\b/i

/** Wraps the probe's fetch to keep what a 401/403 said (schemes and a header hint) for classifyAuth. */
function noteRefusals(fetch: FetchLike, note: RefusalNote): FetchLike {
  return async (input, init) => {
    const response = await fetch(input, init)
    if (response.status === 401 || response.status === 403) {
      note.last = {
        status: response.status,
        schemes: authSchemes(response.headers.get('www-authenticate')),
        // An HTML error page is no hint (`<header>`, CSS); a JSON or text error is.
        headerHint: !/html/i.test(response.headers.get('content-type') ?? '') && HEADER_HINT.test(await peekText(response)),
      }
    }
    return response
  }
}

/** RFC 9110 §11.6.1: each challenge starts with an auth-scheme token (`Basic realm="x", Bearer`). */
function authSchemes(header: string | null): string[] {
  if (!header) return []
  const schemes = [...header.matchAll(/(?:^|,)\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?=\s+[^\s=,]|\s*(?:,|$))/g)].map((m) => (m[1] ?? '').toLowerCase())
  return [...new Set(schemes.filter(Boolean))]
}

/** The start of a response body, read from a copy so the transport still gets the whole answer. */
async function peekText(response: Response): Promise<string> {
  const reader = response.clone().body?.getReader()
  if (!reader) return ''
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (text.length < HINT_BODY_MAX_CHARS) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // Fails open for the hint only: an unreadable body just gives no hint.
  } finally {
    await reader.cancel().catch(() => {})
  }
  return text.slice(0, HINT_BODY_MAX_CHARS)
}

const HEADERS_MESSAGE =
  'The server refused the connection without credentials and offers no OAuth. Add the header it expects (for example an API key) and test again.'
/** Shown for `credentials_required`; the add and edit forms then offer both ways in. */
const CREDENTIALS_MESSAGE =
  'The server asks for credentials but does not say which kind (it publishes no OAuth metadata). Choose an API key or other header, or sign in with OAuth as an MCP 2025-03-26 server.'

/**
 * OAuth if the challenge or the metadata says so. Otherwise a 401 that names another scheme
 * (`Basic`, `ApiKey`) or hints at a header needs static headers, and any other 401 (none or a
 * bare `Bearer`) "needs credentials" of an unknown kind (docs/decisions/016-needs-credentials-and-advanced-add.md).
 */
async function classifyAuth(
  endpoint: McpEndpoint,
  challenge: AuthChallenge | null,
  refusal: Refusal | null,
): Promise<AuthClassification> {
  const scope = challenge?.scope ?? null
  if (challenge?.bearer && (challenge.resourceMetadata || challenge.scope)) {
    return {
      outcome: 'oauth',
      message: 'This server uses OAuth: each person connects with their own account.',
      resourceMetadataUrl: challenge.resourceMetadata,
      scope,
    }
  }
  const metadataUrl = await publishedResourceMetadataUrl(endpoint.url)
  if (metadataUrl) {
    return {
      outcome: 'oauth',
      message: 'This server uses OAuth: each person connects with their own account.',
      resourceMetadataUrl: metadataUrl,
      scope,
    }
  }
  if (challenge?.bearer && (await publishesAuthorizationServerMetadata(endpoint.url))) {
    // 2025-03-26 servers: no protected-resource metadata, the MCP origin is the authorization server.
    return {
      outcome: 'oauth',
      message: 'This server uses OAuth (older style, without protected-resource metadata).',
      resourceMetadataUrl: null,
      scope,
    }
  }
  // A bare `Bearer` with nothing published may be a static token as much as 2025-03-26 OAuth.
  const otherSchemes = (refusal?.schemes ?? []).filter((scheme) => scheme !== 'bearer')
  const unknownKind =
    challenge?.status === 401 &&
    // Headers already sent and still refused: the header is wrong, not the kind of credentials.
    Object.keys(endpoint.headers).length === 0 &&
    otherSchemes.length === 0 &&
    !refusal?.headerHint
  if (unknownKind) {
    return { outcome: 'credentials_required', message: CREDENTIALS_MESSAGE, resourceMetadataUrl: null, scope: null }
  }
  return { outcome: 'headers_required', message: HEADERS_MESSAGE, resourceMetadataUrl: null, scope: null }
}
