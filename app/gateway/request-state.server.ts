// The 2026-07-28 `requestState` of both MCP endpoints (ADR 034, 035): what a multi-round-trip tools/call keeps in
// the agent's hands between its rounds, signed so that any instance can verify it and no agent can forge it.
import { hkdfSync } from 'node:crypto'
import { type RequestStateCodec, createRequestStateCodec } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { getEnv } from '#app/utils/env.server.ts'

/** What a requestState of either endpoint carries (signed, not encrypted: nothing in it is secret). */
export type AgentRequestState =
  /** We asked the agent to send its person to the server's page (URL elicitation). */
  | { kind: 'sign-in'; elicitationId: string; serverId: string; confirmedTool: string | null }
  /** We asked the agent's person to confirm a call of a tool an admin wants confirmed. */
  | { kind: 'confirm'; serverId: string; toolName: string }
  /** The per-server endpoint passed the upstream's own input request on: its state, opaque to us. */
  | { kind: 'upstream'; serverId: string; tool: string; up: string | null }

/** Which endpoint a state is for: each has its own key, so a state of one is refused at the other. */
export type RequestStatePurpose = 'aggregate' | 'passthrough'

/** How long an agent has to answer before its retry is refused. */
const REQUEST_STATE_TTL_SECONDS = 600

const GrantExtraSchema = z.object({ grantId: z.string().min(1) })

/**
 * HMAC-SHA256 with a key every instance derives from SESSION_SECRET (HKDF, one key per `purpose`), ten minutes,
 * bound to the caller's grant (another app or person cannot replay it) and to the request's method.
 */
export function createAgentRequestStateCodec<T>(purpose: string): RequestStateCodec<T> {
  return createRequestStateCodec<T>({
    key: new Uint8Array(hkdfSync('sha256', getEnv().SESSION_SECRET, '', `switchboard mcp request state v1 ${purpose}`, 32)),
    ttlSeconds: REQUEST_STATE_TTL_SECONDS,
    bind: (ctx) => `${GrantExtraSchema.parse(ctx.http?.authInfo?.extra).grantId}\u0000${ctx.mcpReq.method}`,
  })
}

const codecs = new Map<RequestStatePurpose, RequestStateCodec<AgentRequestState>>()

/** The endpoint's codec (one per process: SESSION_SECRET does not change while it runs). */
export function agentRequestStateCodec(purpose: RequestStatePurpose): RequestStateCodec<AgentRequestState> {
  const known = codecs.get(purpose)
  if (known) return known
  const codec = createAgentRequestStateCodec<AgentRequestState>(purpose)
  codecs.set(purpose, codec)
  return codec
}
