import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { z } from 'zod'
import {
  type AuthChallenge,
  type McpEndpoint,
  type McpFailureKind,
  type McpTransportKind,
  type McpFailure,
  guardedFetchFor,
  openMcpClient,
  toMcpFailure,
} from '#app/utils/mcp-client.server.ts'

/** What the probe concluded; stored on the server row with its time. */
export type ProbeOutcome = 'open' | 'oauth' | 'headers_required' | Exclude<McpFailureKind, 'auth_required' | 'session_expired'>

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
  fetch: FetchLike = guardedFetchFor(endpoint.timeoutMs),
): Promise<ProbeResult> {
  let opened: Awaited<ReturnType<typeof openMcpClient>> | null = null
  try {
    opened = await openMcpClient(endpoint, { fetch })
    const version = opened.client.getServerVersion()
    const base = {
      ...emptyResult,
      transport: opened.transport,
      serverName: version?.name?.slice(0, 200) ?? null,
      serverVersion: version?.version?.slice(0, 100) ?? null,
      protocolVersion: opened.transport === 'streamable-http' ? protocolVersionOf(opened) : null,
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
        return { ...base, ...(await classifyAuth(endpoint, failure.challenge, fetch)) }
      }
      return { ...base, outcome: failureOutcome(failure), message: failure.message }
    }
  } catch (error) {
    const failure = toMcpFailure(error)
    if (failure.kind === 'auth_required' || failure.kind === 'forbidden') {
      return { ...emptyResult, ...(await classifyAuth(endpoint, failure.challenge, fetch)) }
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

function protocolVersionOf(opened: Awaited<ReturnType<typeof openMcpClient>>): string | null {
  const transport = opened.client.transport
  return transport && 'protocolVersion' in transport && typeof transport.protocolVersion === 'string'
    ? transport.protocolVersion
    : null
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

/** OAuth if the challenge or the well-known metadata says so; otherwise static headers. */
async function classifyAuth(endpoint: McpEndpoint, challenge: AuthChallenge | null, fetch: FetchLike): Promise<AuthClassification> {
  const scope = challenge?.scope ?? null
  if (challenge?.bearer && (challenge.resourceMetadata || challenge.scope)) {
    return {
      outcome: 'oauth',
      message: 'This server uses OAuth: each person connects with their own account.',
      resourceMetadataUrl: challenge.resourceMetadata,
      scope,
    }
  }
  const metadataUrl = await findProtectedResourceMetadata(endpoint.url, fetch, endpoint.timeoutMs)
  if (metadataUrl) {
    return {
      outcome: 'oauth',
      message: 'This server uses OAuth: each person connects with their own account.',
      resourceMetadataUrl: metadataUrl,
      scope,
    }
  }
  if (challenge?.bearer && (await hasAuthorizationServerMetadata(endpoint.url, fetch, endpoint.timeoutMs))) {
    // 2025-03-26 servers: no protected-resource metadata, the MCP origin is the authorization server.
    return {
      outcome: 'oauth',
      message: 'This server uses OAuth (older style, without protected-resource metadata).',
      resourceMetadataUrl: null,
      scope,
    }
  }
  return {
    outcome: 'headers_required',
    message:
      'The server refused the connection without credentials and offers no OAuth. Add the header it expects (for example an API key) and test again.',
    resourceMetadataUrl: null,
    scope: null,
  }
}

/** RFC 9728 §3.1: the path-specific well-known URL first, then the origin's. */
export function protectedResourceMetadataUrls(serverUrl: string): string[] {
  const url = new URL(serverUrl)
  const path = url.pathname.replace(/\/$/, '')
  const urls = [`${url.origin}/.well-known/oauth-protected-resource${path}`, `${url.origin}/.well-known/oauth-protected-resource`]
  return [...new Set(urls)]
}

const JsonObjectSchema = z.record(z.string(), z.unknown())

async function fetchJsonObject(url: string, fetch: FetchLike, timeoutMs: number): Promise<Record<string, unknown> | null> {
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) })
    if (!response.ok) {
      await response.body?.cancel().catch(() => {})
      return null
    }
    const parsed = JsonObjectSchema.safeParse(await response.json())
    return parsed.success ? parsed.data : null
  } catch {
    // Fails closed for detection: no readable metadata means "not OAuth by metadata".
    return null
  }
}

async function findProtectedResourceMetadata(serverUrl: string, fetch: FetchLike, timeoutMs: number): Promise<string | null> {
  for (const url of protectedResourceMetadataUrls(serverUrl)) {
    const body = await fetchJsonObject(url, fetch, timeoutMs)
    if (body && Array.isArray(body.authorization_servers) && body.authorization_servers.length > 0) return url
  }
  return null
}

async function hasAuthorizationServerMetadata(serverUrl: string, fetch: FetchLike, timeoutMs: number): Promise<boolean> {
  const origin = new URL(serverUrl).origin
  const body = await fetchJsonObject(`${origin}/.well-known/oauth-authorization-server`, fetch, timeoutMs)
  return Boolean(body && typeof body.authorization_endpoint === 'string')
}
