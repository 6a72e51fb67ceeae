// What an agent's tools/call must pass before anything reaches the upstream, the same at both MCP endpoints
// (ADR 034, 035): the server is on and offered to agents, the per-tool policy leaves the tool on, a tool an admin
// wants confirmed is confirmed by the agent's person — asked by form elicitation where the agent can ask
// (2026-07-28 with form elicitation), refused with a sentence everywhere else — and a retry after our request for
// an upstream sign-in waits for that sign-in.
import { type CallToolResult, type InputRequiredResult, type ServerContext, acceptedContent, inputRequired } from '@modelcontextprotocol/server'
import { z } from 'zod'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { resumeSignIn, serverPageUrl } from '#app/gateway/elicitation.server.ts'
import type { AgentPeer } from '#app/gateway/peer.ts'
import { type AgentRequestState, type RequestStatePurpose, agentRequestStateCodec } from '#app/gateway/request-state.server.ts'
import { toolError } from '#app/gateway/results.ts'
import type { RecordedOutcome } from '#app/models/tool-call-log.server.ts'
import { mayCallTool } from '#app/mcp/tool-policy.server.ts'

/** Why agents may not use `server` at all (turned off, not offered to agents); null when they may. */
export function unavailableSentence(server: { name: string; enabled: boolean }, availableToAgents: boolean): string | null {
  if (!server.enabled) return `${server.name} is turned off in this workspace, so its tools cannot be run.`
  if (!availableToAgents) return `An owner or admin of this workspace has not made ${server.name} available to agents, so its tools cannot be run from here.`
  return null
}

export type GateInput = {
  caller: AgentCaller
  peer: AgentPeer
  server: { id: string; name: string; workspaceId: string; enabled: boolean; toolPolicyVersion?: number }
  availableToAgents: boolean
  toolName: string
  /** The verified requestState of this request (2026 retries), if any. */
  state: AgentRequestState | undefined
  ctx: ServerContext
  purpose: RequestStatePurpose
  /** Records the call (a refusal here `refused`, a declined sign-in `reauth_required`). */
  record: (outcome: RecordedOutcome) => Promise<void>
}

/**
 * Run it (`confirmed`: the person confirmed this call; `retriedSignIn`: it retries our sign-in request, so a call
 * that still lacks the sign-in must not ask again), or stop with this result (a refusal, or a question).
 */
export type GateDecision =
  | { kind: 'run'; confirmed: boolean; retriedSignIn: boolean }
  | { kind: 'stop'; result: CallToolResult | InputRequiredResult }

const CONFIRM_KEY = 'confirm'
const ConfirmationSchema = z.object({ confirm: z.boolean() })

/** Availability, policy, confirmation, a sign-in waited for, in that order; every refusal recorded. */
export async function gateAgentCall(input: GateInput): Promise<GateDecision> {
  const confirmation = await admit(input)
  if (confirmation.kind === 'stop') return confirmation
  const signIn = await resumeSignIn(input.caller, input.server, input.state, input.ctx)
  if (signIn.declined) {
    await input.record('reauth_required')
    return { kind: 'stop', result: signIn.declined }
  }
  return { kind: 'run', confirmed: confirmation.confirmed, retriedSignIn: signIn.retried }
}

/** Availability, policy and confirmation: run (confirmed or not needing it), or stop (recorded when refused). */
async function admit(input: GateInput): Promise<{ kind: 'run'; confirmed: boolean } | Extract<GateDecision, { kind: 'stop' }>> {
  const { server, toolName, state, peer, ctx } = input
  const refuse = async (sentence: string) => {
    await input.record('refused')
    return { kind: 'stop' as const, result: toolError(sentence) }
  }
  const unavailable = unavailableSentence(server, input.availableToAgents)
  if (unavailable) return refuse(unavailable)
  const permission = await mayCallTool(input.caller.userId, server, toolName)
  if (!permission.ok) return refuse(permission.message)
  if (!permission.needsConfirmation) return { kind: 'run', confirmed: false }

  if (confirmedBefore(state, server.id, toolName)) return { kind: 'run', confirmed: true }
  const answered = state?.kind === 'confirm' && state.serverId === server.id && state.toolName === toolName
  if (answered && acceptedContent(ctx.mcpReq.inputResponses, CONFIRM_KEY, ConfirmationSchema)?.confirm === true) return { kind: 'run', confirmed: true }
  if (answered) return refuse(`The call of “${toolName}” of ${server.name} was not confirmed, so it was not run.`)
  if (peer.era === 'modern' && peer.elicitForm) return { kind: 'stop', result: await askToConfirm(server, toolName, ctx, input.purpose) }
  return refuse(
    `An owner or admin of this workspace asks that a person confirm each call of “${toolName}” of ${server.name}, and this app cannot ask you. Run it from Switchboard instead: ${serverPageUrl(server)}`,
  )
}

/**
 * A retry that carries a state we minted only after this tool's call passed the gate confirmed: a sign-in asked
 * for after the confirmation (the person is not asked twice), or the upstream's own question passed on.
 */
function confirmedBefore(state: AgentRequestState | undefined, serverId: string, toolName: string): boolean {
  if (state?.serverId !== serverId) return false
  if (state.kind === 'sign-in') return state.confirmedTool === toolName
  return state.kind === 'upstream' && state.tool === toolName
}

/** 2026 agents that declared form elicitation: "Run <tool> of <server>?" with a signed state for this tool. */
async function askToConfirm(server: { id: string; name: string }, toolName: string, ctx: ServerContext, purpose: RequestStatePurpose): Promise<InputRequiredResult> {
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
    requestState: await agentRequestStateCodec(purpose).mint({ kind: 'confirm', serverId: server.id, toolName }, ctx),
  })
}
