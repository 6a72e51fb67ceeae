// `tools/call` at the per-server endpoint: the agent gate and the upstream sign-in shared with the aggregated
// endpoint, the call on the person's own connection with progress, logging and cancellation forwarded, the
// upstream's elicitation and sampling passed through (2026-07-28 MRTR; to a 2025 session's client as requests on the
// call's stream), and the audit row (via "agent", no arguments).
import type { Client } from '@modelcontextprotocol/client'
import { type CallToolResult, type InputRequests, ProtocolError, ProtocolErrorCode, type ServerContext, inputRequired } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { agentCallRecorder } from '#app/gateway/agent-call-record.server.ts'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { askToSignIn } from '#app/gateway/elicitation.server.ts'
import type { EndpointContext } from '#app/gateway/endpoint.server.ts'
import { agentCanAnswer, cancelAnswers, forwardingFor } from '#app/gateway/forwarding.server.ts'
import { type AgentStreamWriter, askLegacyAgent } from '#app/gateway/legacy-questions.server.ts'
import { gateAgentCall } from '#app/gateway/gate.server.ts'
import { agentPeerFor } from '#app/gateway/peer.ts'
import { type AgentRequestState, agentRequestStateCodec } from '#app/gateway/request-state.server.ts'
import { toolError, toolResultOf } from '#app/gateway/results.ts'
import { type ToolsOutcome, stopsForSignIn, withServerSession } from '#app/mcp/tools.server.ts'
import { recordedOutcomeOf } from '#app/models/tool-call-log.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'

export type PassthroughCall = {
  caller: AgentCaller
  server: ServerSummary
  availableToAgents: boolean
  context: EndpointContext
}

const CallParamsSchema = z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() })
const InputRequiredSchema = z.object({
  resultType: z.literal('input_required'),
  inputRequests: z.record(z.string(), z.unknown()).optional(),
  requestState: z.string().optional(),
})

/** What the upstream answered: a result, or input it needs (elicitation, sampling) before it can finish. */
type Answer = { kind: 'result'; result: CallToolResult } | { kind: 'input'; inputRequests: Record<string, unknown>; requestState: string | null }

/**
 * One `tools/call`, recorded: the gate (availability, policy, confirmation) and the upstream sign-in the same as
 * at the aggregated endpoint (gate.server.ts, elicitation.server.ts); the upstream's own questions passed on.
 */
export async function passthroughToolCall(call: PassthroughCall, params: unknown, ctx: ServerContext, write: AgentStreamWriter) {
  const { name, arguments: args } = CallParamsSchema.parse(params)
  const { caller, server, context } = call
  const record = agentCallRecorder(caller, server, name, context.afterAnswer)
  const peer = agentPeerFor(context, ctx)
  // Verified by the codec before we run (signature, grant, method).
  const state = ctx.mcpReq.requestState<AgentRequestState>()
  if (state?.kind === 'upstream' && (state.tool !== name || state.serverId !== server.id)) {
    // A state minted for another tool (or server): its upstream state must not reach this one.
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'This requestState belongs to another tool call.')
  }
  const gate = await gateAgentCall({ caller, peer, server, availableToAgents: call.availableToAgents, toolName: name, state, ctx, purpose: 'passthrough', record })
  if (gate.kind === 'stop') return gate.result

  // A retry of a forwarded question: the upstream's own state and the agent's answers go back to it.
  const retry = state?.kind === 'upstream' ? { inputResponses: ctx.mcpReq.inputResponses ?? {}, requestState: state.up } : null

  let outcome = await callUpstream(call, ctx, name, args, retry)
  if (outcome.ok && outcome.value.kind === 'input' && context.era === 'modern' && agentCanAnswer(context, ctx, outcome.value.inputRequests)) {
    // Not recorded yet: the call finishes (and is recorded) on the agent's retry.
    // The SDK client validated each input request against its era's schemas before handing the result back.
    const state: AgentRequestState = { kind: 'upstream', serverId: server.id, tool: name, up: outcome.value.requestState }
    return inputRequired({
      inputRequests: outcome.value.inputRequests as InputRequests,
      requestState: await agentRequestStateCodec('passthrough').mint(state, ctx),
    })
  }
  // A 2025 session's client that declared what is asked: asked on this call's stream, round after round.
  for (let round = 1; outcome.ok && outcome.value.kind === 'input' && agentCanAnswer(context, ctx, outcome.value.inputRequests); round++) {
    if (round > LEGACY_MAX_ROUNDS) {
      outcome = { ok: true, value: { kind: 'result', result: toolError(`${server.name} kept asking questions, so the call was stopped after ${LEGACY_MAX_ROUNDS}.`) } }
      break
    }
    const answered = await askSessionAgent(call, ctx, write, outcome.value.inputRequests)
    if (answered.kind === 'stop') {
      outcome = answered.outcome
      break
    }
    outcome = await callUpstream(call, ctx, name, args, { inputResponses: answered.answers, requestState: outcome.value.requestState })
  }
  if (outcome.ok && outcome.value.kind === 'input') {
    // The agent cannot be asked: every elicitation is answered `cancel` once; anything else ends the call.
    const answers = cancelAnswers(outcome.value.inputRequests)
    outcome = answers
      ? await callUpstream(call, ctx, name, args, { inputResponses: answers, requestState: outcome.value.requestState })
      : { ok: true, value: { kind: 'result', result: toolError(`${server.name} asked this app for input it cannot give here (sampling or roots over this connection), so the call was stopped.`) } }
    if (outcome.ok && outcome.value.kind === 'input') {
      outcome = { ok: true, value: { kind: 'result', result: toolError(`${server.name} kept asking for input this app cannot give, so the call was stopped.`) } }
    }
  }

  if (!outcome.ok) {
    if (ctx.mcpReq.signal.aborted) outcome = { ok: false, failure: { kind: 'cancelled', message: 'The app cancelled the call.', action: 'none' } }
    await record(recordedOutcomeOf(outcome))
    if (!stopsForSignIn(outcome.failure)) return toolError(outcome.failure.message)
    return askToSignIn(caller, peer, server, outcome.failure, ctx, { toolName: name, confirmed: gate.confirmed, purpose: 'passthrough', retried: gate.retriedSignIn })
  }
  if (outcome.value.kind !== 'result') throw new Error('unreachable: input requests were answered above')
  await record(recordedOutcomeOf({ ok: true, value: { result: outcome.value.result } }))
  return toolResultOf(server, outcome.value.result)
}

/** How many rounds of questions a 2025 agent is asked in one call before it is stopped (the SDK's own shim: 8). */
const LEGACY_MAX_ROUNDS = 8

/**
 * Asks a 2025 session's client each question of one round, one after another, each waited for at most the
 * server's timeout (what its admin set for a call to it; the agent's own client bounds its call too). `answers`:
 * the round's answers for the upstream's retry. A question not answered (timeout, an error answer, the agent gone)
 * makes an elicitation `cancel`, the person's "no"; a sampling or roots request has no such answer, so the call
 * stops with a tool error saying so; a cancelled call stops as cancelled.
 */
async function askSessionAgent(
  call: PassthroughCall,
  ctx: ServerContext,
  write: AgentStreamWriter,
  inputRequests: Record<string, unknown>,
): Promise<{ kind: 'answers'; answers: Record<string, unknown> } | { kind: 'stop'; outcome: ToolsOutcome<Answer> }> {
  const sessionIdHash = call.context.session?.idHash
  if (!sessionIdHash) throw new Error('unreachable: a 2025 agent is asked only in a session')
  const answers: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(inputRequests)) {
    const question = QuestionSchema.parse(raw)
    const answer = await askLegacyAgent(sessionIdHash, write, question, { waitMs: call.server.timeoutMs, signal: ctx.mcpReq.signal })
    if (answer.kind === 'result') {
      answers[key] = answer.result
      continue
    }
    if (answer.kind === 'cancelled' || ctx.mcpReq.signal.aborted) {
      return { kind: 'stop', outcome: { ok: false, failure: { kind: 'cancelled', message: 'The app cancelled the call.', action: 'none' } } }
    }
    if (question.method === 'elicitation/create') {
      answers[key] = { action: 'cancel' }
      continue
    }
    const why = answer.kind === 'timeout' ? `did not answer within ${Math.round(call.server.timeoutMs / 1000)} s` : `refused it (${answer.message})`
    const what = question.method === 'sampling/createMessage' ? 'a sampling request' : 'its roots'
    return { kind: 'stop', outcome: { ok: true, value: { kind: 'result', result: toolError(`${call.server.name} asked this app for ${what}, and the app ${why}, so the call was stopped.`) } } }
  }
  return { kind: 'answers', answers }
}

const QuestionSchema = z.object({ method: z.string(), params: z.record(z.string(), z.unknown()).optional() })

async function callUpstream(
  call: PassthroughCall,
  ctx: ServerContext,
  name: string,
  args: Record<string, unknown> | undefined,
  retry: { inputResponses: Record<string, unknown>; requestState: string | null } | null,
): Promise<ToolsOutcome<Answer>> {
  const forwarding = forwardingFor(call.context, ctx)
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
