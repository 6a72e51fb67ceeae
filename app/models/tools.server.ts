import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js'
import { type ServerSummary, loadEndpoint, markServerAsOAuth } from '#app/models/server.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { type McpFailureKind, McpFailure } from '#app/utils/mcp-client.server.ts'
import { getSessionPool } from '#app/utils/mcp-sessions.server.ts'

/** Why a server's tools could not be used, for the UI. `action` says what the person can do. */
export type ToolsFailure = {
  kind: McpFailureKind | 'disabled' | 'headers_unreadable' | 'oauth_not_connected'
  message: string
  action: 'reconnect' | 'connect' | 'fix_headers' | 'retry' | 'none'
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

/**
 * Runs `fn` on a pooled, initialized session of `server` for `userId`, turning every failure
 * into a ToolsFailure. A Bearer 401 on any request marks the server as OAuth (unless locked).
 */
async function withSession<T>(
  userId: string,
  server: ServerSummary,
  fn: (client: Client) => Promise<T>,
): Promise<ToolsOutcome<T>> {
  if (!server.enabled) return { ok: false, failure: { kind: 'disabled', message: 'This server is disabled.', action: 'none' } }
  if (server.authType === 'oauth') {
    return {
      ok: false,
      failure: {
        kind: 'oauth_not_connected',
        // NOTE: OAuth sign-in (issue 4) is not built yet; say so rather than offer a dead end.
        message:
          'This server uses OAuth, where each person signs in with their own account. Switchboard cannot sign in to OAuth servers yet.',
        action: 'connect',
      },
    }
  }
  try {
    const value = await getSessionPool().use(
      { userId, serverId: server.id, credentialVersion: String(server.configVersion) },
      // Headers are decrypted only when a session is opened; the key's configVersion changes with them.
      async () => {
        const loaded = await loadEndpoint(server)
        if (!loaded.ok) throw new HeadersUnreadableError(loaded.unreadableHeaders)
        return loaded.endpoint
      },
      fn,
    )
    return { ok: true, value }
  } catch (error) {
    if (error instanceof HeadersUnreadableError) {
      return {
        ok: false,
        failure: {
          kind: 'headers_unreadable',
          message: `The stored value of ${error.names.join(', ')} can no longer be read (the encryption key changed). An admin must enter it again.`,
          action: 'fix_headers',
        },
      }
    }
    const failure = failureFrom(error)
    if (failure.kind === 'auth_required' && failure.action === 'connect' && (await markServerAsOAuth(server))) {
      failure.message =
        'This server asked for an OAuth sign-in, so it is now marked as an OAuth server. Switchboard cannot sign in to OAuth servers yet.'
    }
    logger.info({ serverId: server.id, kind: failure.kind }, 'MCP request failed')
    return { ok: false, failure }
  }
}

/** The server's tools (first page of tools/list), bounded by the server's timeout. */
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

/** Calls a tool with already-validated arguments; returns the raw result and how long it took. */
export function callServerTool(
  userId: string,
  server: ServerSummary,
  toolName: string,
  args: Record<string, unknown>,
): Promise<ToolCallOutcome> {
  return withSession(userId, server, async (client) => {
    const started = performance.now()
    const result = await client.callTool({ name: toolName, arguments: args }, CallToolResultSchema, {
      timeout: server.timeoutMs,
    })
    return { result, durationMs: Math.round(performance.now() - started) }
  })
}
