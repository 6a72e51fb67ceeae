import type { Client, Tool } from '@modelcontextprotocol/client'
import { recordAudit } from '#app/models/audit.server.ts'
import { MAX_AUTHORIZATION_ROUNDS } from '#app/models/pending-tool-call.server.ts'
import { type ServerSummary, listServers } from '#app/models/server.server.ts'
import { loadEndpoint } from '#app/models/server-headers.server.ts'
import { markServerAsOAuth, recordChallenge } from '#app/models/server-probe.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { type AuthChallenge, type McpFailureKind, McpFailure } from '#app/mcp/transport/failure.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { withRevisionNoted } from '#app/mcp/revision.server.ts'
import { getAccessToken } from '#app/oauth/tokens.server.ts'
import { keepsRefusingSentence } from '#app/oauth/rounds.server.ts'
import { mayCallTool } from '#app/mcp/tool-policy.server.ts'
import { toolRows } from '#app/mcp/tool-rows.server.ts'
import { listWorkspaceToolRules } from '#app/models/tool-policy.server.ts'

/** Why a server's tools could not be used, for the UI. `action` says what the person can do. */
export type ToolsFailure = {
  kind:
    | McpFailureKind
    | 'disabled'
    | 'headers_unreadable'
    | 'oauth_not_connected'
    | 'reauth_required'
    | 'oauth_unavailable'
    | 'insufficient_scope'
    | 'scope_refused'
    | 'cancelled'
  message: string
  action: 'reconnect' | 'connect' | 'step_up' | 'fix_headers' | 'retry' | 'none'
  /** For `step_up`: every scope to ask for (granted ∪ challenged). */
  scopes?: string
  /** For `step_up`: the scopes the server's challenge named (what it asked for). */
  requested?: string
}

export type ToolsOutcome<T> = { ok: true; value: T } | { ok: false; failure: ToolsFailure }

class HeadersUnreadableError extends Error {
  override name = 'HeadersUnreadableError'
  constructor(readonly names: string[]) {
    super('Stored header values cannot be decrypted')
  }
}

/** Extra time beyond a server's own timeout before its row on the Tools page gives up. */
const PAGE_TIMEOUT_MARGIN_MS = 250

function failureFrom(error: unknown): ToolsFailure {
  const failure = error instanceof McpFailure ? error : new McpFailure('network', 'Could not talk to the server.')
  const action =
    failure.kind === 'auth_required'
      ? failure.challenge?.bearer
        ? 'connect'
        : 'fix_headers'
      : failure.kind === 'timeout' || failure.kind === 'server_error' || failure.kind === 'network'
        ? 'retry'
        : 'none'
  return { kind: failure.kind, message: failure.message, action }
}

/** A 401 Bearer challenge becomes the server's latest: the next Connect, Reconnect or step-up follows it. */
async function keepChallenge(server: ServerSummary, challenge: AuthChallenge | null | undefined): Promise<void> {
  if (challenge?.status !== 401 || !challenge.bearer) return
  await recordChallenge(server.id, { resourceMetadataUrl: challenge.resourceMetadata, scope: challenge.scope })
}

/**
 * Runs `fn` on a pooled, initialized session of `server` for `userId`, turning every failure
 * into a ToolsFailure. A Bearer 401 on any request marks the server as OAuth (unless locked).
 */
async function withSession<T>(
  userId: string,
  server: ServerSummary,
  fn: (client: Client) => Promise<T>,
  toolName: string | null = null,
): Promise<ToolsOutcome<T>> {
  if (!server.enabled) return { ok: false, failure: { kind: 'disabled', message: 'This server is disabled.', action: 'none' } }
  if (server.authType === 'oauth') return withOAuthSession(userId, server, fn, toolName)
  try {
    const value = await getSessionPool().use(
      { userId, serverId: server.id, configVersion: server.configVersion, credentialVersion: String(server.configVersion) },
      // Headers are decrypted only when a session is opened; the key's configVersion changes with them.
      async () => {
        const loaded = await loadEndpoint(server)
        if (!loaded.ok) throw new HeadersUnreadableError(loaded.unreadableHeaders)
        return loaded.endpoint
      },
      withRevisionNoted(server, fn),
    )
    return { ok: true, value }
  } catch (error) {
    if (error instanceof HeadersUnreadableError) return headersUnreadable(error)
    const failure = failureFrom(error)
    if (error instanceof McpFailure) await keepChallenge(server, error.challenge)
    if (failure.kind === 'auth_required' && failure.action === 'connect' && (await markServerAsOAuth(server))) {
      failure.kind = 'oauth_not_connected'
      failure.message = 'This server asked for an OAuth sign-in, so it is now marked as an OAuth server. Connect to use its tools.'
    }
    logger.info({ serverId: server.id, kind: failure.kind }, 'MCP request failed')
    return { ok: false, failure }
  }
}

function headersUnreadable(error: HeadersUnreadableError): ToolsOutcome<never> {
  return {
    ok: false,
    failure: {
      kind: 'headers_unreadable',
      message: `The stored value of ${error.names.join(', ')} can no longer be read (the encryption key changed). An admin must enter it again.`,
      action: 'fix_headers',
    },
  }
}

function tokenFailure(kind: 'oauth_not_connected' | 'reauth_required' | 'oauth_unavailable', message: string): ToolsOutcome<never> {
  return {
    ok: false,
    failure: { kind, message, action: kind === 'oauth_unavailable' ? 'retry' : kind === 'reauth_required' ? 'reconnect' : 'connect' },
  }
}

/**
 * `fn` on a session authorized with the user's (or the shared) access token. A 401 refreshes
 * the token once and retries; a 403 `insufficient_scope` asks for a step-up.
 */
async function withOAuthSession<T>(
  userId: string,
  server: ServerSummary,
  fn: (client: Client) => Promise<T>,
  toolName: string | null,
): Promise<ToolsOutcome<T>> {
  let token = await getAccessToken(server, userId)
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!token.ok) return tokenFailure(token.kind, token.message)
    const { generation, token: accessToken, scopes } = token.value
    const credentialVersion = `${server.configVersion}:${generation}`
    // Sessions opened with an older token end at the server, in the background. Those of this
    // configuration (same URL) with this token, since theirs may be dead after a rotation; those
    // of an older configuration (the server's previous URL) only with their own: this token
    // must never reach the previous host. A shared connection's sessions are every member's.
    getSessionPool().retireSessions(
      server.id,
      (key) => (server.oauthShared || key.userId === userId) && key.credentialVersion !== credentialVersion,
      { replacement: { authorization: `Bearer ${accessToken}`, configVersion: server.configVersion } },
    )
    try {
      const value = await getSessionPool().use(
        // A new token generation never reuses a session opened with the old token.
        { userId, serverId: server.id, configVersion: server.configVersion, credentialVersion },
        async () => {
          const loaded = await loadEndpoint(server)
          if (!loaded.ok) throw new HeadersUnreadableError(loaded.unreadableHeaders)
          // The token goes to the MCP server's own origin only (mcpFetch).
          return { ...loaded.endpoint, headers: { ...loaded.endpoint.headers, Authorization: `Bearer ${accessToken}` } }
        },
        withRevisionNoted(server, fn),
      )
      return { ok: true, value }
    } catch (error) {
      if (error instanceof HeadersUnreadableError) return headersUnreadable(error)
      const failure = error instanceof McpFailure ? error : null
      const challenge = failure?.challenge ?? null
      await keepChallenge(server, challenge)
      if (failure?.kind === 'auth_required' && challenge?.status === 403 && challenge.error === 'insufficient_scope') {
        const granted = new Set(scopes.split(/\s+/).filter(Boolean))
        const challenged = (challenge.scope ?? '').split(/\s+/).filter(Boolean)
        const missing = challenged.filter((scope) => !granted.has(scope))
        const needed = new Set([...granted, ...challenged])
        const what = toolName ? `the tool “${toolName}”` : 'this request'
        if (challenged.length > 0 && missing.length === 0) {
          // Every scope the server names is in the token already: another sign-in cannot help.
          await recordAudit({
            workspaceId: server.workspaceId,
            actorId: userId,
            server: { id: server.id, name: server.name },
            event: 'oauth.scope_refused',
            outcome: 'failure',
            issuer: token.value.issuer,
            scopes: challenged.join(' '),
            detail: `${server.name} refused ${what} for lack of scopes the token already holds`,
          })
          return {
            ok: false,
            failure: {
              kind: 'scope_refused',
              message: `${server.name} refuses ${what} for lack of the scope ${challenged.join(', ')}, although your sign-in already grants ${challenged.length === 1 ? 'it' : 'them'}. Signing in again would not help: ask an admin of ${server.name} to check its permissions.`,
              action: 'none',
            },
          }
        }
        return {
          ok: false,
          failure: {
            kind: 'insufficient_scope',
            message:
              missing.length > 0
                ? `${capitalize(what)} needs access you have not granted to ${server.name}: ${missing.join(', ')}. Grant it to continue.`
                : `${capitalize(what)} needs more access than you granted to ${server.name}, and the server did not say which.`,
            action: 'step_up',
            scopes: [...needed].join(' '),
            requested: challenged.join(' '),
          },
        }
      }
      if (failure?.kind === 'auth_required' && attempt === 0) {
        // The server refused the token (revoked, expired early): refresh once and retry.
        token = await getAccessToken(server, userId, { rejected: generation })
        continue
      }
      if (failure?.kind === 'auth_required') {
        return tokenFailure('reauth_required', `${server.name} refused your sign-in even after renewing it. Reconnect to use its tools.`)
      }
      const described = failureFrom(error)
      logger.info({ serverId: server.id, kind: described.kind }, 'MCP request failed')
      return { ok: false, failure: described }
    }
  }
  return tokenFailure('reauth_required', `${server.name} refused your sign-in. Reconnect to use its tools.`)
}

/** Whether a failure stops a call until the person signs in (Connect, Reconnect, more scopes). */
export function stopsForSignIn(failure: ToolsFailure): boolean {
  return failure.action === 'step_up' || failure.action === 'connect' || failure.action === 'reconnect'
}

/**
 * After MAX_AUTHORIZATION_ROUNDS round trips for one call, the failure that replaces another
 * "Grant more access": a sentence that the server keeps refusing and what it asked for. Null
 * while rounds are left.
 */
export function keepsRefusing(
  server: { name: string },
  toolName: string,
  rounds: number,
  requestedScopes: string,
  failure: ToolsFailure,
): (ToolsFailure & { pending: null }) | null {
  if (rounds < MAX_AUTHORIZATION_ROUNDS) return null
  return {
    kind: failure.kind,
    message: keepsRefusingSentence(server, toolName, rounds, requestedScopes),
    // A sign-in that ended stays reachable (without this call); more scopes are not offered again.
    action: failure.action === 'step_up' ? 'none' : failure.action,
    pending: null,
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/**
 * `fn` on a session of `server` for `userId` with everything a tool call gets (headers, the
 * person's token, refresh on 401, step-up on 403): for resources and prompts.
 */
export function withServerSession<T>(userId: string, server: ServerSummary, fn: (client: Client) => Promise<T>): Promise<ToolsOutcome<T>> {
  return withSession(userId, server, fn)
}

/** The server's tools (every page of tools/list; the SDK stops at 64 pages), bounded by the server's timeout. */
export function listServerTools(userId: string, server: ServerSummary): Promise<ToolsOutcome<Tool[]>> {
  const listing = withSession(userId, server, async (client) => {
    const result = await client.listTools(undefined, { timeout: server.timeoutMs })
    return result.tools
  })
  // The page never waits longer than the server's timeout, whatever happens underneath.
  return Promise.race([
    listing,
    new Promise<ToolsOutcome<Tool[]>>((resolve) => {
      setTimeout(
        () => resolve({ ok: false, failure: { kind: 'timeout', message: 'The server did not answer in time.', action: 'retry' } }),
        server.timeoutMs + PAGE_TIMEOUT_MARGIN_MS,
      ).unref()
    }),
  ])
}

export type ToolCallOutcome = ToolsOutcome<{ result: unknown; durationMs: number }>

/** A progress notification of a running call (MCP notifications/progress). */
export type ToolProgress = { progress: number; total?: number; message?: string }

/** How a caller follows a call: its progress, and a signal that cancels it (MCP notifications/cancelled). */
export type ToolCallOptions = { onProgress?: (progress: ToolProgress) => void; signal?: AbortSignal }

/**
 * Calls a tool with already-validated arguments; returns the raw result and how long it took.
 * With `onProgress`, the server's progress notifications reach it and each one restarts the
 * timeout (a long call that keeps reporting is alive); `signal` cancels the call at the server.
 */
export async function callServerTool(
  userId: string,
  server: ServerSummary,
  toolName: string,
  args: Record<string, unknown>,
  options: ToolCallOptions = {},
): Promise<ToolCallOutcome> {
  // A tool an admin turned off is refused before anything reaches the server, whoever calls.
  const permission = await mayCallTool(userId, server, toolName)
  if (!permission.ok) return { ok: false, failure: { kind: 'disabled', message: permission.message, action: 'none' } }
  const { onProgress, signal } = options
  const outcome = await withSession(userId, server, async (client) => {
    const started = performance.now()
    const result = await client.callTool({ name: toolName, arguments: args }, {
      timeout: server.timeoutMs,
      ...(onProgress ? { onprogress: onProgress, resetTimeoutOnProgress: true } : {}),
      ...(signal ? { signal } : {}),
    })
    return { result, durationMs: Math.round(performance.now() - started) }
  }, toolName)
  if (!outcome.ok && signal?.aborted) {
    return { ok: false, failure: { kind: 'cancelled', message: 'You cancelled the call; the server was told to stop.', action: 'none' } }
  }
  return outcome
}

/**
 * The Tools page: the enabled servers of the workspace (or the one `onlyServerId` names), each
 * with the tools the policy shows (matching `query`, when given) or why they cannot be listed. In
 * parallel, each bounded by its own timeout: a hung server delays nothing but its own row.
 */
export async function listWorkspaceTools(userId: string, workspaceId: string, onlyServerId: string | null, query: string | null = null) {
  const servers = (await listServers(workspaceId)).filter((s) => s.enabled && (!onlyServerId || s.id === onlyServerId))
  const rules = await listWorkspaceToolRules(workspaceId)
  return Promise.all(
    servers.map(async (server) => {
      const outcome = await listServerTools(userId, server)
      return {
        server: { id: server.id, name: server.name },
        tools: outcome.ok ? toolRows(rules.get(server.id), outcome.value, query) : [],
        failure: outcome.ok ? null : outcome.failure,
      }
    }),
  )
}
