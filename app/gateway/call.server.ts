// The aggregated endpoint's `tools/call` (ADR 034): `<prefix>_<tool>` goes to the server of that prefix with the
// person's own connection (refresh and step-up included, app/mcp/tools.server.ts), under the admin's choices
// (server on and offered to agents, the per-tool policy); progress and cancellation forwarded; every call that
// names a server of the workspace is recorded via 'agent' with the app, never with its arguments.
import type { CallToolResult, InputRequiredResult, ServerContext } from '@modelcontextprotocol/server'
import type { AfterAnswer } from '#app/gateway/after-answer.ts'
import { agentCallRecorder } from '#app/gateway/agent-call-record.server.ts'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { CONNECT_TOOL_NAME, findAgentServer } from '#app/gateway/catalog.server.ts'
import { askToSignIn } from '#app/gateway/elicitation.server.ts'
import { cancellationOf, progressForwarder } from '#app/gateway/forwarding.server.ts'
import { gateAgentCall } from '#app/gateway/gate.server.ts'
import type { AgentPeer } from '#app/gateway/peer.ts'
import type { AgentRequestState } from '#app/gateway/request-state.server.ts'
import { toolError, toolResultOf } from '#app/gateway/results.ts'
import { splitAgentToolName } from '#app/models/agent-prefix.ts'
import type { ServerSummary } from '#app/models/server.server.ts'
import { recordedOutcomeOf } from '#app/models/tool-call-log.server.ts'
import { type ToolCallOutcome, callServerTool, listServerTools, stopsForSignIn } from '#app/mcp/tools.server.ts'

export type AgentToolCall = { name: string; arguments?: Record<string, unknown> | undefined }

/** Runs one agent `tools/call`. Throws only the 2025 URL elicitation error (-32042). */
export async function callAgentTool(
  caller: AgentCaller,
  peer: AgentPeer,
  call: AgentToolCall,
  ctx: ServerContext,
  afterAnswer?: AfterAnswer,
): Promise<CallToolResult | InputRequiredResult> {
  const split = splitAgentToolName(call.name)
  const entry = split ? await findAgentServer(caller.workspaceId, split.prefix) : null
  if (!split || !entry) return toolError(`This workspace has no tool “${call.name}”. List the tools again to see what there is.`)
  const { server } = entry
  const { toolName } = split
  const record = agentCallRecorder(caller, server, toolName, afterAnswer)
  const state = peer.era === 'modern' ? ctx.mcpReq.requestState<AgentRequestState>() : undefined
  const gate = await gateAgentCall({ caller, peer, server, availableToAgents: entry.offered, toolName, state, ctx, purpose: 'aggregate', record })
  if (gate.kind === 'stop') return gate.result

  const standIn = toolName === CONNECT_TOOL_NAME ? await connectStandIn(caller, server) : null
  const outcome =
    standIn ??
    (await callServerTool(caller.userId, server, toolName, call.arguments ?? {}, {
      ...optionalProgress(ctx),
      // A plain abort: the SDK's "connection closed" reason would end the person's pooled session (forwarding.server.ts).
      signal: cancellationOf(ctx.mcpReq.signal),
    }))
  // The stand-in's "you are signed in" ran no tool: it is not a call of the server (its health charts count calls).
  if (!(standIn?.ok ?? false)) await record(recordedOutcomeOf(outcome))
  if (!outcome.ok && stopsForSignIn(outcome.failure)) {
    return askToSignIn(caller, peer, server, outcome.failure, ctx, { toolName, confirmed: gate.confirmed, purpose: 'aggregate', retried: gate.retriedSignIn })
  }
  return outcome.ok ? toolResultOf(server, outcome.value.result) : toolError(outcome.failure.message)
}

function optionalProgress(ctx: ServerContext) {
  const onProgress = progressForwarder(ctx)
  return onProgress ? { onProgress } : {}
}

/**
 * `<prefix>_connect`, the stand-in tool of a server that waits on the person's sign-in (catalog.server.ts): the
 * server's tool list says whether the sign-in is there. Null when the server has a tool of that name of its own.
 */
async function connectStandIn(caller: AgentCaller, server: ServerSummary): Promise<ToolCallOutcome | null> {
  const started = performance.now()
  const listing = await listServerTools(caller.userId, server)
  if (!listing.ok) return listing
  if (listing.value.some((tool) => tool.name === CONNECT_TOOL_NAME)) return null
  const text = `You are signed in to ${server.name}. List the tools again to see its tools.`
  return { ok: true, value: { result: { content: [{ type: 'text', text }] }, durationMs: Math.round(performance.now() - started) } }
}
