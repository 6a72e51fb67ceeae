// The aggregated endpoint's tool catalogue: every server of the caller's workspace that is on and offered to
// agents, each asked in parallel with the person's own connection, its tools prefixed `<prefix>_<tool>` (ADR 034).
import type { Tool } from '@modelcontextprotocol/client'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { agentPrefixes } from '#app/models/agent-prefix.ts'
import { listAgentServerSettings } from '#app/models/agent-access.server.ts'
import { type ServerSummary, listServers, requireServer } from '#app/models/server.server.ts'
import { listWorkspaceToolRules } from '#app/models/tool-policy.server.ts'
import { applyToolRules } from '#app/mcp/tool-policy.server.ts'
import { type ToolsFailure, type ToolsOutcome, listServerTools, stopsForSignIn } from '#app/mcp/tools.server.ts'
import { logger } from '#app/utils/logger.server.ts'

/** The tool a server the person has not connected (or must reconnect) shows instead of its own: `<prefix>_connect`. */
export const CONNECT_TOOL_NAME = 'connect'

/** A server as the endpoint sees it: its summary, its prefix, and whether agents may use it. */
export type AgentServer = { server: ServerSummary; prefix: string; offered: boolean }

/** Every server of the workspace with its effective prefix (unique in the workspace) and whether it is offered. */
export async function listAgentServers(workspaceId: string): Promise<AgentServer[]> {
  const [servers, settings] = await Promise.all([listServers(workspaceId), listAgentServerSettings(workspaceId)])
  const prefixes = agentPrefixes(settings)
  const available = new Map(settings.map((row) => [row.id, row.availableToAgents]))
  return servers.flatMap((server) => {
    const prefix = prefixes.get(server.id)
    // A server added between the two reads has no prefix yet: the next request sees it.
    if (!prefix) return []
    return [{ server, prefix, offered: server.enabled && available.get(server.id) === true }]
  })
}

/**
 * The server whose prefix an agent's tool name carries, or null. One light query for the prefixes and one for the
 * server: a call does not read the whole workspace's servers.
 */
export async function findAgentServer(workspaceId: string, prefix: string): Promise<AgentServer | null> {
  const settings = await listAgentServerSettings(workspaceId)
  const prefixes = agentPrefixes(settings)
  const found = settings.find((row) => prefixes.get(row.id) === prefix)
  if (!found) return null
  // Deleted between the two reads: requireServer's 404 means no such tool.
  const server = await requireServer(workspaceId, found.id).catch((error: unknown) => {
    if (error instanceof Response && error.status === 404) return null
    throw error
  })
  return server ? { server, prefix, offered: server.enabled && found.availableToAgents } : null
}

/**
 * The aggregated `tools/list`: each offered server's tools that the policy leaves on, prefixed, with title,
 * description, schemas and annotations unchanged; `<prefix>_connect` for a server that waits on the person's
 * sign-in. A server that fails or hangs is left out (logged) once its own timeout has passed; the others do not
 * wait for it.
 */
export async function listAgentTools(caller: AgentCaller): Promise<Tool[]> {
  const [servers, rules] = await Promise.all([listAgentServers(caller.workspaceId), listWorkspaceToolRules(caller.workspaceId)])
  const lists = await Promise.all(
    servers
      .filter((entry) => entry.offered)
      .map(async ({ server, prefix }) => {
        const outcome = await withinTimeout(server, listServerTools(caller.userId, server))
        if (!outcome.ok) {
          if (stopsForSignIn(outcome.failure)) return [connectTool(server, prefix, outcome.failure)]
          logger.info({ serverId: server.id, kind: outcome.failure.kind }, 'left a server out of an agent tool list')
          return []
        }
        // `execution` (task support) is not passed on: this endpoint runs no tasks, whatever the upstream offers.
        return applyToolRules(rules.get(server.id), outcome.value).map(({ needsConfirmation: _confirm, execution: _tasks, ...tool }) => ({
          ...tool,
          name: `${prefix}_${tool.name}`,
        }))
      }),
  )
  return lists.flat()
}

/** The stand-in tool of a server that waits on the person: calling it answers with the sign-in URL. */
function connectTool(server: ServerSummary, prefix: string, failure: ToolsFailure): Tool {
  const verb = failure.action === 'connect' ? 'Sign in to' : failure.action === 'reconnect' ? 'Sign in again to' : 'Grant more access to'
  // A shared sign-in is made by an owner or admin for everyone (elicitation.server.ts, signInSentence).
  const shared = server.oauthShared && failure.action !== 'step_up'
  return {
    name: `${prefix}_${CONNECT_TOOL_NAME}`,
    title: shared ? `${server.name} waits for the workspace's sign-in` : `${verb} ${server.name}`,
    description: shared
      ? `${server.name} uses one sign-in for the whole workspace, made by an owner or admin in Switchboard. Calling this tool gives a link to Switchboard's page for ${server.name}; its tools are listed once the sign-in is made.`
      : `${verb} ${server.name} in Switchboard to use its tools. Calling this tool gives the person a link to Switchboard's page for ${server.name}, where they sign in; its tools are listed after that.`,
    inputSchema: { type: 'object', properties: {} },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  }
}

/** The listing, or a timeout failure once the server's own timeout has passed (whatever happens underneath). */
function withinTimeout<T>(server: ServerSummary, listing: Promise<ToolsOutcome<T>>): Promise<ToolsOutcome<T>> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<ToolsOutcome<T>>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, failure: { kind: 'timeout', message: 'The server did not answer in time.', action: 'retry' } }),
      server.timeoutMs,
    )
    timer.unref()
  })
  return Promise.race([listing, timeout]).finally(() => clearTimeout(timer))
}
