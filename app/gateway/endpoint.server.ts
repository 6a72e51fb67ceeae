import { type AuthInfo, createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server'
import type { AfterAnswer } from '#app/gateway/after-answer.ts'
import { createAggregateServer } from '#app/gateway/aggregate.server.ts'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { cancelLegacyRequest, onBodyEnd, requestIdOf, trackLegacyRequest } from '#app/gateway/legacy-cancel.server.ts'
import { takeLegacyAnswer } from '#app/gateway/legacy-questions.server.ts'
import { type LegacySession, planLegacyRequest, startLegacySession } from '#app/gateway/legacy-session.server.ts'
import { createPassthroughServer } from '#app/gateway/passthrough.server.ts'
import type { AgentEra } from '#app/gateway/peer.ts'
import { logger } from '#app/utils/logger.server.ts'

/**
 * The MCP endpoints on the v2 server package (docs/research/workspace-endpoint.md §1): one handler serves
 * 2026-07-28 requests and, statelessly, the 2025 revisions; a fresh low-level Server per request, built for its
 * caller. The aggregated endpoint and the per-server pass-through each build their own. 2025 sessions live in the
 * database (legacy-session.server.ts, ADR 034).
 */
const handler = createMcpHandler(
  async ({ era, authInfo, requestInfo }) => {
    const { caller, session, afterAnswer } = extraOf(authInfo)
    const context: EndpointContext = { era, request: requestInfo, session, ...(afterAnswer ? { afterAnswer } : {}) }
    return caller.target.serverId ? createPassthroughServer(caller, context) : createAggregateServer(caller, context)
  },
  { legacy: 'stateless', onerror: (error) => logger.warn({ err: error }, 'mcp endpoint') },
)

/**
 * What a factory knows of the request it serves. `session`: the 2025 session the request belongs to (its declared
 * capabilities), null on 2026-07-28 and for a 2025 request outside a session. `afterAnswer`: where the request's
 * audit rows go to be written once its answer is out (absent: written before the answer).
 */
export type EndpointContext = { era: AgentEra; request: Request | undefined; session?: LegacySession | null; afterAnswer?: AfterAnswer }

/**
 * Serves one authenticated MCP request. `body`: the request's JSON when the caller has read it already (the HTTP
 * face has the bytes in hand); otherwise it is read from a copy of the request. `afterAnswer`: see EndpointContext.
 */
export async function serveAgentRequest(
  request: Request,
  caller: AgentCaller,
  options: { body?: unknown; afterAnswer?: AfterAnswer } = {},
): Promise<Response> {
  const body = 'body' in options ? options.body : request.method === 'POST' ? await request.clone().json().catch(() => undefined) : undefined
  const legacy = await isLegacyRequest(request, body)
  const plan = legacy ? await planLegacyRequest(request, body, caller) : null
  if (plan?.kind === 'answer') return plan.response
  const session = plan?.session ?? null
  // The token stays out of the handler: tools never need it, and nothing can leak what is not there. The grant id
  // binds 2026 requestState to this app and person (elicitation.server.ts).
  const authInfo: AuthInfo = { token: '', clientId: caller.clientId, scopes: caller.scopes, extra: { caller, grantId: caller.grantId, session, afterAnswer: options.afterAnswer } }
  if (session) await cancelLegacyRequest(session.idHash, body)
  // A 2025 client's answer to a question we asked on a call's stream (legacy-questions.server.ts): 202 Accepted.
  if (session && (await takeLegacyAnswer(session.idHash, body))) return new Response(null, { status: 202 })
  const requestId = session ? requestIdOf(body) : null
  if (session && requestId !== null) return serveCancellable(request, body, authInfo, trackLegacyRequest(session.idHash, requestId))
  const response = await handler.fetch(request, { authInfo, ...(body === undefined ? {} : { parsedBody: body }) })
  return plan?.initialize ? startLegacySession(response, caller, plan.initialize) : response
}

/**
 * A 2025 session's request, served so that the session's `notifications/cancelled` can end it: its exchange is
 * aborted as if the agent had hung up (legacy-cancel.server.ts). Kept cancellable until its answer has been sent.
 */
async function serveCancellable(
  request: Request,
  body: unknown,
  authInfo: AuthInfo,
  tracked: { signal: AbortSignal; untrack(): void },
): Promise<Response> {
  try {
    const cancellable = new Request(request, { signal: AbortSignal.any([request.signal, tracked.signal]) })
    const response = await handler.fetch(cancellable, { authInfo, parsedBody: body })
    if (!response.body) {
      tracked.untrack()
      return response
    }
    return new Response(onBodyEnd(response.body, tracked.untrack), { status: response.status, statusText: response.statusText, headers: response.headers })
  } catch (error) {
    tracked.untrack()
    throw error
  }
}

function extraOf(authInfo: AuthInfo | undefined): { caller: AgentCaller; session: LegacySession | null; afterAnswer: AfterAnswer | undefined } {
  const caller = authInfo?.extra?.caller
  if (!caller) throw new Error('An MCP endpoint request reached the handler without a caller.')
  return {
    caller: caller as AgentCaller,
    session: (authInfo?.extra?.session ?? null) as LegacySession | null,
    afterAnswer: authInfo?.extra?.afterAnswer as AfterAnswer | undefined,
  }
}
