// `tools/call` at the per-server endpoint: the tool policy, the call on the person's own connection with progress,
// logging and cancellation forwarded, the upstream's elicitation and sampling passed through (2026-07-28 MRTR),
// and the audit row (ToolCall via "agent", no arguments).
import type { Client } from '@modelcontextprotocol/client'
import { type CallToolResult, type InputRequests, ProtocolError, ProtocolErrorCode, type ServerContext, inputRequired } from '@modelcontextprotocol/server'
import { z } from 'zod'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { type AgentEra, agentCanAnswer, cancelAnswers, forwardingFor } from '#app/gateway/passthrough-forwarding.server.ts'
import { signInSentence } from '#app/gateway/passthrough-sign-in.server.ts'
import { ownResult } from '#app/gateway/passthrough-result.ts'
import type { PassthroughState, passthroughStateCodec } from '#app/gateway/passthrough-state.server.ts'
import { mayCallTool } from '#app/mcp/tool-policy.server.ts'
import { type ToolsFailure, type ToolsOutcome, stopsForSignIn, withServerSession } from '#app/mcp/tools.server.ts'
import { recordToolCall, recordedOutcomeOf } from '#app/models/tool-call-log.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'

export type PassthroughCall = {
  caller: AgentCaller
  server: ServerSummary
  era: AgentEra
  codec: ReturnType<typeof passthroughStateCodec>
}

const CallParamsSchema = z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() })
const InputRequiredSchema = z.object({
  resultType: z.literal('input_required'),
  inputRequests: z.record(z.string(), z.unknown()).optional(),
  requestState: z.string().optional(),
})

/** What the upstream answered: a result, or input it needs (elicitation, sampling) before it can finish. */
type Answer = { kind: 'result'; result: CallToolResult } | { kind: 'input'; inputRequests: Record<string, unknown>; requestState: string | null }

/** A tool error result (the agent's model reads it), as MCP reports a failed call. */
function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] }
}

/** What the agent is told when the call could not be made. */
function failureText(call: PassthroughCall, failure: ToolsFailure): string {
  return stopsForSignIn(failure) ? signInSentence(call.caller, call.server, failure) : failure.message
}

/** One `tools/call`, recorded. */
export async function passthroughToolCall(call: PassthroughCall, params: unknown, ctx: ServerContext) {
  const { name, arguments: args } = CallParamsSchema.parse(params)
  const started = performance.now()
  const record = (outcome: Parameters<typeof recordedOutcomeOf>[0]) =>
    recordToolCall({
      server: call.server,
      userId: call.caller.userId,
      toolName: name,
      outcome: recordedOutcomeOf(outcome),
      durationMs: performance.now() - started,
      // Agent calls keep no arguments (issue 13: "arguments not stored").
      arguments: null,
      via: 'agent',
      agent: { clientId: call.caller.clientId, clientName: call.caller.clientName },
    })

  const permission = await mayCallTool(call.caller.userId, call.server, name)
  if (!permission.ok) {
    await record({ ok: false, failure: { kind: 'disabled', action: 'none' } })
    return toolError(permission.message)
  }

  // A retry of a forwarded elicitation: the upstream's state (verified by the codec before we run) and the answers.
  const state = ctx.mcpReq.requestState<PassthroughState>()
  if (state && typeof state === 'object' && state.tool !== name) {
    // A state minted for another tool: its upstream state must not reach this one.
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'This requestState belongs to another tool call.')
  }
  const retry = state && typeof state === 'object' ? { inputResponses: ctx.mcpReq.inputResponses ?? {}, requestState: state.up } : null

  let outcome = await callUpstream(call, ctx, name, args, retry)
  if (outcome.ok && outcome.value.kind === 'input') {
    const { inputRequests, requestState } = outcome.value
    if (agentCanAnswer(call.era, ctx, inputRequests)) {
      // Not recorded yet: the call finishes (and is recorded) on the agent's retry.
      // The SDK client validated each input request against its era's schemas before handing the result back.
      return inputRequired({ inputRequests: inputRequests as InputRequests, requestState: await call.codec.mint({ up: requestState, tool: name }, ctx) })
    }
    // The agent cannot be asked: every elicitation is answered `cancel` once; anything else ends the call.
    const answers = cancelAnswers(inputRequests)
    outcome = answers
      ? await callUpstream(call, ctx, name, args, { inputResponses: answers, requestState })
      : { ok: true, value: { kind: 'result', result: toolError(`${call.server.name} asked this app for input it cannot give here (sampling or roots over this connection), so the call was stopped.`) } }
    if (outcome.ok && outcome.value.kind === 'input') {
      outcome = { ok: true, value: { kind: 'result', result: toolError(`${call.server.name} kept asking for input this app cannot give, so the call was stopped.`) } }
    }
  }

  if (!outcome.ok) {
    if (ctx.mcpReq.signal.aborted) outcome = { ok: false, failure: { kind: 'cancelled', message: 'The app cancelled the call.', action: 'none' } }
    await record(outcome)
    return toolError(failureText(call, outcome.failure))
  }
  if (outcome.value.kind !== 'result') throw new Error('unreachable: input requests were answered above')
  await record({ ok: true, value: { result: outcome.value.result } })
  return ownResult(outcome.value.result)
}


async function callUpstream(
  call: PassthroughCall,
  ctx: ServerContext,
  name: string,
  args: Record<string, unknown> | undefined,
  retry: { inputResponses: Record<string, unknown>; requestState: string | null } | null,
): Promise<ToolsOutcome<Answer>> {
  const forwarding = forwardingFor(call.era, ctx)
  return withServerSession(call.caller.userId, call.server, (client: Client) =>
    forwarding.run(client, async () => {
      const meta = forwarding.meta(client)
      const raw = await client.callTool(
        {
          name,
          ...(args ? { arguments: args } : {}),
          ...(meta ? { _meta: meta } : {}),
          ...(retry ? { inputResponses: retry.inputResponses, ...(retry.requestState ? { requestState: retry.requestState } : {}) } : {}),
        },
        // Manual MRTR: an upstream's input request comes back to us instead of the pooled client's own handlers.
        { timeout: call.server.timeoutMs, allowInputRequired: true, ...forwarding.options },
      )
      const input = InputRequiredSchema.safeParse(raw)
      if (input.success) return { kind: 'input', inputRequests: input.data.inputRequests ?? {}, requestState: input.data.requestState ?? null } satisfies Answer
      return { kind: 'result', result: raw } satisfies Answer
    }),
  )
}
