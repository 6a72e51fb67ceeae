// 2025-revision sessions of agents at the MCP endpoints (Mcp-Session-Id): stored as a hash with what the client
// declared at initialize, so that any instance can answer a later request of the session (ADR 034).
import { createHash } from 'node:crypto'
import { getDb } from '#app/utils/db.server.ts'

/** A session unused this long ends (the client re-initializes on the 404). */
export const AGENT_SESSION_IDLE_MS = 24 * 60 * 60 * 1000
/** lastSeenAt/expiresAt are written at most this often per session. */
const TOUCH_EVERY_MS = 60 * 1000

/** The stored key of a session id. */
export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex')
}

export type AgentSessionRow = { idHash: string; grantId: string; protocolVersion: string; capabilities: string; clientInfo: string }

/** Stores a new session of grant `grantId`. */
export async function createAgentSession(input: {
  sessionId: string
  grantId: string
  protocolVersion: string
  capabilities: unknown
  clientInfo: unknown
}): Promise<void> {
  // The grant's expired sessions go first: rows stay bounded by what its apps keep open (housekeeping does not
  // know these tables yet).
  await getDb().agentSession.deleteMany({ where: { grantId: input.grantId, expiresAt: { lt: new Date() } } })
  await getDb().agentSession.create({
    data: {
      idHash: hashSessionId(input.sessionId),
      grantId: input.grantId,
      protocolVersion: input.protocolVersion.slice(0, 40),
      capabilities: JSON.stringify(input.capabilities ?? {}).slice(0, 8_000),
      clientInfo: JSON.stringify(input.clientInfo ?? {}).slice(0, 2_000),
      expiresAt: new Date(Date.now() + AGENT_SESSION_IDLE_MS),
    },
    select: { idHash: true },
  })
}

/**
 * The live session `sessionId` of grant `grantId` (another grant's id is unknown here), kept alive; null when
 * unknown or expired.
 */
export async function findAgentSession(sessionId: string, grantId: string): Promise<AgentSessionRow | null> {
  const now = new Date()
  const row = await getDb().agentSession.findFirst({
    where: { idHash: hashSessionId(sessionId), grantId, expiresAt: { gt: now } },
    select: { idHash: true, grantId: true, protocolVersion: true, capabilities: true, clientInfo: true, lastSeenAt: true },
  })
  if (!row) return null
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await getDb().agentSession.updateMany({
      where: { idHash: row.idHash },
      data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + AGENT_SESSION_IDLE_MS) },
    })
  }
  const { lastSeenAt: _seen, ...session } = row
  return session
}

/** Ends session `sessionId` of grant `grantId`; false when there was none. */
export async function deleteAgentSession(sessionId: string, grantId: string): Promise<boolean> {
  const { count } = await getDb().agentSession.deleteMany({ where: { idHash: hashSessionId(sessionId), grantId } })
  return count > 0
}

/** Whether the session with stored key `idHash` is still live (for its long-lived event stream). */
export async function findAgentSessionByHash(idHash: string): Promise<{ idHash: string } | null> {
  return getDb().agentSession.findFirst({ where: { idHash, expiresAt: { gt: new Date() } }, select: { idHash: true } })
}
