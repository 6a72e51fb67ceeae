import { hkdfSync } from 'node:crypto'
import { type RequestStateCodec, createRequestStateCodec } from '@modelcontextprotocol/server'
import { getEnv } from '#app/utils/env.server.ts'

/**
 * What the pass-through keeps across a forwarded multi-round-trip (MRTR) exchange: the upstream's own
 * `requestState`, opaque to us, handed back to the upstream on the agent's retry.
 */
export type PassthroughState = { up: string | null; tool: string }

/** How long an agent has to answer a forwarded elicitation or sampling request before its retry is refused. */
const REQUEST_STATE_TTL_SECONDS = 600

let key: Buffer | null = null

/** The HMAC key of pass-through states: derived from SESSION_SECRET, so every instance verifies what any minted. */
function stateKey(): Buffer {
  key ??= Buffer.from(hkdfSync('sha256', getEnv().SESSION_SECRET, '', 'switchboard mcp passthrough request-state v1', 32))
  return key
}

/**
 * The codec of one request's state, bound to the app's grant and the server: a state minted for one grant (or one
 * server) is refused at any other, so an agent cannot replay another's upstream state. Signed, not encrypted: the
 * upstream's state is the upstream's own business and carries no secret of ours.
 */
export function passthroughStateCodec(grantId: string, serverId: string): RequestStateCodec<PassthroughState> {
  return createRequestStateCodec<PassthroughState>({
    key: stateKey(),
    ttlSeconds: REQUEST_STATE_TTL_SECONDS,
    bind: (ctx) => `${grantId}\u0000${serverId}\u0000${ctx.mcpReq.method}`,
  })
}
