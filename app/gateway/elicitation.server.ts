// Upstream sign-in asked of the agent (issue 13 point 3, ADR 034, 035), at both MCP endpoints: when a tools/call
// needs a server the person has not connected, must reconnect, or must grant more scopes, the agent is sent to
// Switchboard's own page for that server — never the upstream authorization server, never a token — by URL-mode
// elicitation where the agent declared it: on 2026-07-28 as an input request with a signed requestState, on the
// 2025 revisions as error -32042; otherwise a tool error whose text gives the URL.
import { setTimeout as delay } from 'node:timers/promises'
import {
  type CallToolResult,
  type InputRequiredResult,
  type ServerContext,
  UrlElicitationRequiredError,
  inputRequired,
  inputResponse,
} from '@modelcontextprotocol/server'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { wakeElicitationStreams } from '#app/gateway/elicitation-stream.server.ts'
import type { AgentPeer } from '#app/gateway/peer.ts'
import { type AgentRequestState, type RequestStatePurpose, agentRequestStateCodec } from '#app/gateway/request-state.server.ts'
import { toolError } from '#app/gateway/results.ts'
import { createAgentElicitation, isAgentElicitationComplete, type ElicitationReason } from '#app/models/agent-elicitation.server.ts'
import type { ToolsFailure } from '#app/mcp/tools.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

/**
 * Switchboard's page for the server, where the person presses Connect or Reconnect. `agent=1` adds a line that
 * tells the person what to do there; with `stepUp`, that line carries a "Grant more access" button for those
 * scopes (names a server asked for, not secrets).
 */
export function serverPageUrl(server: { id: string; workspaceId: string }, stepUp?: { scopes: string; tool: string }): string {
  const url = new URL(`/w/${server.workspaceId}/servers/${server.id}`, getEnv().PUBLIC_URL)
  url.searchParams.set('agent', '1')
  if (stepUp) {
    url.searchParams.set('scopes', stepUp.scopes)
    url.searchParams.set('tool', stepUp.tool)
  }
  return url.href
}

function reasonOf(failure: ToolsFailure): ElicitationReason {
  return failure.action === 'connect' ? 'connect' : failure.action === 'reconnect' ? 'reconnect' : 'scopes'
}

/** The sentence of the elicitation (and of the tool error, with the URL). */
export function signInSentence(server: { name: string; oauthShared: boolean }, failure: ToolsFailure): string {
  const reason = reasonOf(failure)
  // A shared sign-in is made by an owner or admin for everyone (ADR 010): a member can only ask for it.
  if (server.oauthShared && reason !== 'scopes') {
    const state = reason === 'connect' ? 'has no sign-in yet' : 'needs its sign-in renewed'
    return `${server.name} uses one sign-in for the whole workspace, and it ${state}. An owner or admin of the workspace opens the page in Switchboard and presses ${reason === 'connect' ? 'Connect' : 'Reconnect'}: ask one if that is not you.`
  }
  if (reason === 'connect') return `Sign in to ${server.name} in Switchboard to use its tools: open the page and press Connect.`
  if (reason === 'reconnect') return `Your sign-in to ${server.name} has ended. Open the page in Switchboard and press Reconnect.`
  return `${server.name} needs more access than you granted. Open the page in Switchboard and grant it.`
}

/** The key of the sign-in request in a 2026 input-required result. */
const SIGN_IN_KEY = 'sign-in'

/**
 * A call that stopped for a sign-in: asks the agent to send its person to the server's page — an input request
 * (2026) or error -32042 (2025) when the agent declared URL elicitation, otherwise a tool error with the URL. A
 * retry of our own request (`retried`) gets the tool error: asking again would make the agent loop. Throws only
 * the -32042 error.
 */
export async function askToSignIn(
  caller: AgentCaller,
  peer: AgentPeer,
  server: { id: string; name: string; workspaceId: string; oauthShared: boolean },
  failure: ToolsFailure,
  ctx: ServerContext,
  call: { toolName: string; confirmed: boolean; purpose: RequestStatePurpose; retried: boolean },
): Promise<CallToolResult | InputRequiredResult> {
  // Only the step-up gets its button on the page; Connect and Reconnect are there already.
  const url = serverPageUrl(server, failure.action === 'step_up' && failure.scopes ? { scopes: failure.scopes, tool: call.toolName } : undefined)
  const confirmedTool = call.confirmed ? call.toolName : null
  const message = signInSentence(server, failure)
  if (call.retried || !peer.elicitUrl) return toolError(`${message} ${url} — then try again.`)
  const elicitationId = await createAgentElicitation({
    userId: caller.userId,
    grantId: caller.grantId,
    serverId: server.id,
    reason: reasonOf(failure),
    sessionIdHash: peer.sessionIdHash,
  })
  if (peer.era === 'legacy') {
    if (peer.sessionIdHash) wakeElicitationStreams(peer.sessionIdHash)
    throw new UrlElicitationRequiredError([{ mode: 'url', elicitationId, url, message }], message)
  }
  return inputRequired({
    inputRequests: { [SIGN_IN_KEY]: inputRequired.elicitUrl({ message, url }) },
    requestState: await agentRequestStateCodec(call.purpose).mint({ kind: 'sign-in', elicitationId, serverId: server.id, confirmedTool }, ctx),
  })
}

/** How long a 2026 retry after "accept" waits for the person to finish signing in. */
export const SIGN_IN_WAIT_MS = 20_000
const SIGN_IN_POLL_MS = 500

/**
 * On a 2026 retry that answers our sign-in request: whether to go on with the call. "accept" only means the person
 * agreed to open the page, so the retry waits (bounded, any instance: the row is in the database) until the
 * callback marked the elicitation complete; "decline"/"cancel" stop.
 */
async function awaitSignIn(
  caller: AgentCaller,
  state: Extract<AgentRequestState, { kind: 'sign-in' }>,
  ctx: ServerContext,
): Promise<'go-on' | 'declined'> {
  const answer = inputResponse(ctx.mcpReq.inputResponses, SIGN_IN_KEY)
  if (answer.kind === 'elicit' && answer.action !== 'accept') return 'declined'
  const deadline = Date.now() + SIGN_IN_WAIT_MS
  const signal = ctx.mcpReq.signal
  while (!signal.aborted) {
    const complete = await isAgentElicitationComplete(state.elicitationId, caller.grantId, state.serverId)
    // Unknown (expired) or complete: the call itself says whether the sign-in is there.
    if (complete !== false || Date.now() >= deadline) break
    await delay(SIGN_IN_POLL_MS, undefined, { signal }).catch(() => {})
  }
  return 'go-on'
}

/**
 * Before a call: on a retry that answers our own sign-in request for `server`, waits for the sign-in
 * (awaitSignIn). `declined`: the tool error to answer when the person said no; null to go on with the call.
 */
export async function resumeSignIn(
  caller: AgentCaller,
  server: { id: string; name: string; workspaceId: string },
  state: AgentRequestState | undefined,
  ctx: ServerContext,
): Promise<{ retried: boolean; declined: CallToolResult | null }> {
  if (state?.kind !== 'sign-in' || state.serverId !== server.id) return { retried: false, declined: null }
  if ((await awaitSignIn(caller, state, ctx)) !== 'declined') return { retried: true, declined: null }
  return { retried: true, declined: toolError(`You did not sign in to ${server.name}. ${serverPageUrl(server)}`) }
}
