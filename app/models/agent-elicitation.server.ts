// URL elicitations sent to agents ("sign in to <server> in Switchboard"): one AgentElicitation row each, so that
// any instance can tell when the person finished Connect in the browser (ADR 034).
import { randomUUID } from 'node:crypto'
import { getDb } from '#app/utils/db.server.ts'

/** Why the agent was sent to the server's page. */
export type ElicitationReason = 'connect' | 'reconnect' | 'scopes'

/** An elicitation stays answerable this long (the 2026 requestState lives 10 minutes too). */
export const AGENT_ELICITATION_TTL_MS = 60 * 60 * 1000

/** Records an elicitation for `userId` through grant `grantId`; returns its id (the 2025 `elicitationId`). */
export async function createAgentElicitation(input: {
  userId: string
  grantId: string
  serverId: string
  reason: ElicitationReason
  sessionIdHash: string | null
}): Promise<string> {
  const id = randomUUID()
  // The person's expired elicitations of this server go first, so rows stay bounded without a sweep.
  await getDb().agentElicitation.deleteMany({ where: { userId: input.userId, serverId: input.serverId, expiresAt: { lt: new Date() } } })
  await getDb().agentElicitation.create({
    data: { id, ...input, expiresAt: new Date(Date.now() + AGENT_ELICITATION_TTL_MS) },
    select: { id: true },
  })
  return id
}

/**
 * The person connected `serverId` in the browser: every open elicitation of theirs for it is complete. Called by
 * the OAuth callback; never fails the callback (a lost mark only makes an agent's retry wait its bounded time).
 */
export async function completeAgentElicitations(userId: string, serverId: string): Promise<number> {
  const { count } = await getDb().agentElicitation.updateMany({
    where: { userId, serverId, completedAt: null, expiresAt: { gt: new Date() } },
    data: { completedAt: new Date() },
  })
  return count
}

/** Whether elicitation `id` of this grant and server is complete; null when there is no such open row. */
export async function isAgentElicitationComplete(id: string, grantId: string, serverId: string): Promise<boolean | null> {
  const row = await getDb().agentElicitation.findFirst({
    where: { id, grantId, serverId, expiresAt: { gt: new Date() } },
    select: { completedAt: true },
  })
  return row ? row.completedAt !== null : null
}

/**
 * The completed, not yet notified elicitations sent on 2025 session `sessionIdHash`, each claimed once (the first
 * instance to mark `notifiedAt` sends its notification).
 */
export async function claimCompletedElicitations(sessionIdHash: string): Promise<string[]> {
  const now = new Date()
  const rows = await getDb().agentElicitation.findMany({
    where: { sessionIdHash, completedAt: { not: null }, notifiedAt: null, expiresAt: { gt: now } },
    select: { id: true },
    take: 50,
  })
  const claimed: string[] = []
  for (const row of rows) {
    const { count } = await getDb().agentElicitation.updateMany({ where: { id: row.id, notifiedAt: null }, data: { notifiedAt: now } })
    if (count === 1) claimed.push(row.id)
  }
  return claimed
}

/** Whether session `sessionIdHash` has elicitations still waiting for the person (the stream then looks more often). */
export async function hasOpenElicitations(sessionIdHash: string): Promise<boolean> {
  const open = await getDb().agentElicitation.findFirst({
    where: { sessionIdHash, notifiedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true },
  })
  return open !== null
}
