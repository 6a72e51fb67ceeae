// The aggregated endpoint's `tools/call` (ADR 034): `<prefix>_<tool>` goes to the server of that prefix with the
// person's own connection (refresh and step-up included, app/mcp/tools.server.ts), under the admin's choices
// (server on and offered to agents, the per-tool policy); progress and cancellation forwarded; every call that
// names a server of the workspace is recorded via 'agent' with the app, never with its arguments.
import { type CallToolResult, type InputRequiredResult, type ServerContext, acceptedContent, inputRequired, isCallToolResult } from '@modelcontextprotocol/server'
import { z } from 'zod'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { CONNECT_TOOL_NAME, findAgentServer } from '#app/gateway/catalog.server.ts'
import { type AgentPeer, type AgentRequestState, askToSignIn, awaitSignIn, requestStateCodec, serverPageUrl, signInSentence, toolError } from '#app/gateway/elicitation.server.ts'
import { splitAgentToolName } from '#app/models/agent-prefix.ts'
import type { ServerSummary } from '#app/models/server.server.ts'
import { type RecordedOutcome, recordToolCall, recordedOutcomeOf } from '#app/models/tool-call-log.server.ts'
import { mayCallTool } from '#app/mcp/tool-policy.server.ts'
import { type ToolCallOutcome, callServerTool, listServerTools, stopsForSignIn } from '#app/mcp/tools.server.ts'
import { logger } from '#app/utils/logger.server.ts'

export type AgentToolCall = { name: string; arguments?: Record<string, unknown> | undefined }

const CONFIRM_KEY = 'confirm'
const ConfirmationSchema = z.object({ confirm: z.boolean() })

/** Runs one agent `tools/call`. Throws only the 2025 URL elicitation error (-32042). */
export async function callAgentTool(
  caller: AgentCaller,
  peer: AgentPeer,
  call: AgentToolCall,
  ctx: ServerContext,
): Promise<CallToolResult | InputRequiredResult> {
  const started = performance.now()
  const split = splitAgentToolName(call.name)
  const entry = split ? await findAgentServer(caller.workspaceId, split.prefix) : null
  if (!split || !entry) return toolError(`This workspace has no tool “${call.name}”. List the tools again to see what there is.`)
  const { server } = entry
  const { toolName } = split
  const record = (outcome: RecordedOutcome) =>
    recordToolCall({
      server: { id: server.id, name: server.name, workspaceId: server.workspaceId },
      userId: caller.userId,
      toolName,
      outcome,
      durationMs: performance.now() - started,
      // Agents' arguments are never stored (issue 13 point 4): no history to run again, nothing to leak.
      arguments: null,
      via: 'agent',
      agent: { clientId: caller.clientId, clientName: caller.clientName },
    })

  if (!entry.offered) {
    await record('refused')
    return toolError(
      server.enabled
        ? `An owner or admin of this workspace has not made ${server.name} available to agents, so its tools cannot be run from here.`
        : `${server.name} is turned off in this workspace, so its tools cannot be run.`,
    )
  }
  const permission = await mayCallTool(caller.userId, server, toolName)
  if (!permission.ok) {
    await record('refused')
    return toolError(permission.message)
  }
  const state = peer.era === 'modern' ? ctx.mcpReq.requestState<AgentRequestState>() : undefined
  if (permission.needsConfirmation) {
    const confirmed =
      state?.kind === 'confirm' && state.serverId === server.id && state.toolName === toolName
        ? acceptedContent(ctx.mcpReq.inputResponses, CONFIRM_KEY, ConfirmationSchema)?.confirm === true
        : // Confirmed before a sign-in was asked for: the person is not asked twice.
          state?.kind === 'sign-in' && state.serverId === server.id && state.confirmedTool === toolName
    if (!confirmed) {
      if (peer.era === 'modern' && peer.elicitForm && state?.kind !== 'confirm') return askToConfirm(server, toolName, ctx)
      await record('refused')
      return toolError(
        state?.kind === 'confirm'
          ? `The call of “${toolName}” of ${server.name} was not confirmed, so it was not run.`
          : `An owner or admin of this workspace asks that a person confirm each call of “${toolName}” of ${server.name}, and this app cannot ask you. Run it from Switchboard instead: ${serverPageUrl(server)}`,
      )
    }
  }

  const retriedSignIn = state?.kind === 'sign-in' && state.serverId === server.id
  if (state?.kind === 'sign-in' && retriedSignIn && (await awaitSignIn(caller, state, ctx)) === 'declined') {
    await record('reauth_required')
    return toolError(`You did not sign in to ${server.name}. ${serverPageUrl(server)}`)
  }
  const standIn = toolName === CONNECT_TOOL_NAME ? await connectStandIn(caller, server) : null
  const outcome =
    standIn ??
    (await callServerTool(caller.userId, server, toolName, call.arguments ?? {}, {
      onProgress: progressForwarder(ctx),
      signal: ctx.mcpReq.signal,
    }))
  // The stand-in's "you are signed in" ran no tool: it is not a call of the server (its health charts count calls).
  if (!(standIn?.ok ?? false)) await record(recordedOutcomeOf(outcome))
  if (!outcome.ok && stopsForSignIn(outcome.failure)) {
    // A retry after our own sign-in request does not ask again: the agent would loop.
    if (retriedSignIn) return toolError(`${signInSentence(server, outcome.failure)} ${serverPageUrl(server)} — then try again.`)
    return askToSignIn(caller, peer, server, outcome.failure, ctx, { toolName, confirmed: permission.needsConfirmation })
  }
  return resultOf(server, outcome)
}

/** 2026 agents that declared form elicitation: "Run <tool> of <server>?" with a signed state for this tool. */
async function askToConfirm(server: ServerSummary, toolName: string, ctx: ServerContext): Promise<InputRequiredResult> {
  return inputRequired({
    inputRequests: {
      [CONFIRM_KEY]: inputRequired.elicit({
        message: `An admin of this workspace asks that you confirm each call of “${toolName}” of ${server.name}. Run it now?`,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: `Run “${toolName}”`, description: `Run the tool “${toolName}” of ${server.name}.` } },
          required: ['confirm'],
        },
      }),
    },
    requestState: await requestStateCodec().mint({ kind: 'confirm', serverId: server.id, toolName }, ctx),
  })
}

/** Forwards upstream progress to the agent when its request carried a progress token. */
function progressForwarder(ctx: ServerContext) {
  const progressToken = ctx.mcpReq._meta?.progressToken
  if (progressToken === undefined) return undefined
  return (progress: { progress: number; total?: number; message?: string }) => {
    ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, ...progress } }).catch((error: unknown) => {
      logger.debug({ err: error }, 'could not forward progress to an agent')
    })
  }
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

function resultOf(server: ServerSummary, outcome: ToolCallOutcome): CallToolResult {
  if (!outcome.ok) return toolError(outcome.failure.message)
  const { result } = outcome.value
  return isCallToolResult(result) ? result : toolError(`${server.name} answered with something that is not a tool result.`)
}
