import type { AgentCaller } from '#app/gateway/caller.ts'
import type { ToolsFailure } from '#app/mcp/tools.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

/** Switchboard's own page for a server (its Connect / Reconnect), never the upstream's authorization server. */
export function serverPageUrl(caller: AgentCaller, serverId: string): string {
  return new URL(`/w/${encodeURIComponent(caller.workspaceId)}/servers/${encodeURIComponent(serverId)}`, getEnv().PUBLIC_URL).href
}

/**
 * What an agent is told when the person must sign in to the server first (Connect, Reconnect, more scopes): the
 * reason and the page where they can do it. For now a sentence (a tool error result or a JSON-RPC error message);
 * URL-mode elicitation (app/gateway/elicitation.server.ts) replaces this one spot when it is wired in.
 */
export function signInSentence(caller: AgentCaller, server: { id: string; name: string }, failure: ToolsFailure): string {
  return `${failure.message} Open ${serverPageUrl(caller, server.id)} in Switchboard to connect ${server.name}, then try again.`
}
