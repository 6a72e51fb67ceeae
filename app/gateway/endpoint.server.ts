import { type AuthInfo, createMcpHandler } from '@modelcontextprotocol/server'
import { createAggregateServer } from '#app/gateway/aggregate.server.ts'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { createPassthroughServer } from '#app/gateway/passthrough.server.ts'
import { logger } from '#app/utils/logger.server.ts'

/**
 * The MCP endpoints on the v2 server package (docs/research/workspace-endpoint.md §1): one handler serves
 * 2026-07-28 requests and, statelessly, the 2025 revisions; a fresh low-level Server per request, built for its
 * caller. The aggregated endpoint and the per-server pass-through each build their own.
 */
const handler = createMcpHandler(
  async ({ era, authInfo, requestInfo }) => {
    const caller = callerOf(authInfo)
    const context = { era, request: requestInfo }
    return caller.target.serverId ? createPassthroughServer(caller, context) : createAggregateServer(caller, context)
  },
  { legacy: 'stateless', onerror: (error) => logger.warn({ err: error }, 'mcp endpoint') },
)

/** What a factory knows of the request it serves. */
export type EndpointContext = { era: 'legacy' | 'modern'; request: Request | undefined }

/** Serves one authenticated MCP request. */
export async function serveAgentRequest(request: Request, caller: AgentCaller): Promise<Response> {
  // The token stays out of the handler: tools never need it, and nothing can leak what is not there.
  const authInfo: AuthInfo = { token: '', clientId: caller.clientId, scopes: caller.scopes, extra: { caller } }
  return handler.fetch(request, { authInfo })
}

function callerOf(authInfo: AuthInfo | undefined): AgentCaller {
  const caller = authInfo?.extra?.caller
  if (!caller) throw new Error('An MCP endpoint request reached the handler without a caller.')
  return caller as AgentCaller
}
