// Sessions of 2025-revision agents (ADR 034). The SDK serves those revisions statelessly, so a later request could
// not know what the client declared at initialize (elicitation.url in particular). Switchboard mints the
// Mcp-Session-Id itself on `initialize` and keeps the declared capabilities in the database (AgentSession), so
// that any instance can answer the session's next request: unknown or expired ids get 404 (the client then
// initializes again), DELETE ends the session, GET opens the session's stream for elicitation completions.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { elicitationStream } from '#app/gateway/elicitation-stream.server.ts'
import { jsonRpcError } from '#app/gateway/responses.ts'
import { createAgentSession, deleteAgentSession, findAgentSession, hashSessionId } from '#app/models/agent-session.server.ts'
import { logger } from '#app/utils/logger.server.ts'

export const SESSION_HEADER = 'mcp-session-id'

/** A 2025 session as a request of it sees it: the declared capabilities (parsed JSON) and the stored key. */
export type LegacySession = { idHash: string; capabilities: unknown }

const InitializeSchema = z.object({
  method: z.literal('initialize'),
  params: z.object({ protocolVersion: z.string(), capabilities: z.unknown().optional(), clientInfo: z.unknown().optional() }),
})

/** What the legacy leg decided before the MCP handler runs. */
export type LegacyPlan =
  | { kind: 'answer'; response: Response }
  | { kind: 'serve'; session: LegacySession | null; initialize: z.infer<typeof InitializeSchema>['params'] | null }

/** For a 2025-era request: its session (404 when unknown), a DELETE answered, or an initialize to mint one for. */
export async function planLegacyRequest(request: Request, body: unknown, caller: AgentCaller): Promise<LegacyPlan> {
  const sessionId = request.headers.get(SESSION_HEADER)
  if (request.method === 'DELETE') {
    if (!sessionId) return { kind: 'answer', response: jsonRpcError(400, -32001, 'Send the Mcp-Session-Id of the session to end.') }
    const ended = await deleteAgentSession(sessionId, caller.grantId)
    return { kind: 'answer', response: ended ? new Response(null, { status: 204 }) : sessionNotFound() }
  }
  const initialize = InitializeSchema.safeParse(body)
  if (initialize.success) return { kind: 'serve', session: null, initialize: initialize.data.params }
  if (!sessionId) return { kind: 'serve', session: null, initialize: null }
  const row = await findAgentSession(sessionId, caller.grantId)
  if (!row) return { kind: 'answer', response: sessionNotFound() }
  // The session's GET stream carries notifications/elicitation/complete (elicitation-stream.server.ts).
  if (request.method === 'GET') return { kind: 'answer', response: elicitationStream(row.idHash, request.signal) }
  return { kind: 'serve', session: { idHash: row.idHash, capabilities: parseJson(row.capabilities) }, initialize: null }
}

/** After a successful initialize: stores the session and names it on the response. */
export async function startLegacySession(
  response: Response,
  caller: AgentCaller,
  initialize: NonNullable<Extract<LegacyPlan, { kind: 'serve' }>['initialize']>,
): Promise<Response> {
  if (!response.ok) return response
  const sessionId = randomBytes(32).toString('base64url')
  await createAgentSession({
    sessionId,
    grantId: caller.grantId,
    protocolVersion: initialize.protocolVersion,
    capabilities: initialize.capabilities,
    clientInfo: initialize.clientInfo,
  })
  logger.debug({ session: hashSessionId(sessionId).slice(0, 12), grantId: caller.grantId }, 'agent session started')
  const headers = new Headers(response.headers)
  headers.set('Mcp-Session-Id', sessionId)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

function sessionNotFound(): Response {
  return jsonRpcError(404, -32001, 'Session not found: initialize a new session.')
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
