// 2025 sessions' cancellations relayed through the database (ADR 034): a session's `notifications/cancelled` may
// reach another instance than the request it names.
import { getDb } from '#app/utils/db.server.ts'

/** A cancellation waits this long for its request to look; a request still running after that is not cancelled. */
const AGENT_CANCEL_KEEP_MS = 2 * 60 * 1000
/** Instances' clocks may differ by this much: a cancellation written a little "before" a request started counts. */
const CLOCK_SKEW_MS = 5_000

/** Keeps the cancellation of request `requestKey` of session `sessionIdHash` for the instance where it runs. */
export async function storeAgentCancel(sessionIdHash: string, requestKey: string): Promise<void> {
  const now = new Date()
  // Never taken, it expires; housekeeping deletes it.
  await getDb().agentCancel.create({
    data: { sessionIdHash, requestKey, createdAt: now, expiresAt: new Date(now.getTime() + AGENT_CANCEL_KEEP_MS) },
    select: { id: true },
  })
}

/**
 * Takes (deletes) a cancellation of request `requestKey` of session `sessionIdHash` written since the request
 * started (`since`); says whether there was one.
 */
export async function takeAgentCancel(sessionIdHash: string, requestKey: string, since: Date): Promise<boolean> {
  const { count } = await getDb().agentCancel.deleteMany({
    where: { sessionIdHash, requestKey, createdAt: { gte: new Date(since.getTime() - CLOCK_SKEW_MS) }, expiresAt: { gt: new Date() } },
  })
  return count > 0
}
