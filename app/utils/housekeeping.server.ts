// Removes rows that have expired and can never be used again: throttle counters past every rule's
// window, pending OAuth flows and stopped tool calls past their expiry, recorded tool calls past
// their retention, the agent authorization server's expired codes and tokens, 2025 agents' questions and
// cancellations past their expiry, and the Connected apps rows whose grant has lapsed. Each is a plain
// DELETE of rows that can never be used again, so several instances may sweep at once without harm.
import { getDb } from '#app/utils/db.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { deleteExpiredThrottles } from '#app/utils/throttle.server.ts'

/** How often each instance sweeps. Expired rows are harmless meanwhile: every reader checks expiry. */
const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000

/**
 * How long recorded tool calls (the audit log's calls, the health charts, a person's history with
 * its encrypted arguments) are kept: ninety days (docs/decisions/029-tool-call-records.md).
 */
export const TOOL_CALL_RETENTION_MS = 90 * 24 * 60 * 60 * 1000

export type HousekeepingResult = {
  throttles: number
  flows: number
  pendingToolCalls: number
  toolCalls: number
  agentAuthRecords: number
  /** AgentQuestion and AgentCancel rows (ADR 034, 035) left behind by an instance that stopped, or never taken. */
  agentRelays: number
  agentGrants: number
}

/** A Connected apps row this young is left alone: its grant record may still be on its way (consent writes both). */
const AGENT_GRANT_GRACE_MS = 24 * 60 * 60 * 1000

/**
 * Deletes every expired throttle row, pending OAuth flow and stopped tool call, and the tool calls
 * recorded before the retention period; returns how many of each.
 */
export async function runHousekeeping(now = new Date()): Promise<HousekeepingResult> {
  const db = getDb()
  const throttles = await deleteExpiredThrottles(now)
  const flows = await db.oAuthFlow.deleteMany({ where: { expiresAt: { lt: now } } })
  const pendingToolCalls = await db.pendingToolCall.deleteMany({ where: { expiresAt: { lt: now } } })
  const toolCalls = await db.toolCall.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - TOOL_CALL_RETENTION_MS) } } })
  // The agent authorization server's codes, tokens, sessions and interactions (every reader checks expiry too).
  const agentAuthRecords = await db.agentAuthRecord.deleteMany({ where: { expiresAt: { lt: now } } })
  const questions = await db.agentQuestion.deleteMany({ where: { expiresAt: { lt: now } } })
  const cancels = await db.agentCancel.deleteMany({ where: { expiresAt: { lt: now } } })
  const agentGrants = await deleteLapsedAgentGrants(now)
  return {
    throttles,
    flows: flows.count,
    pendingToolCalls: pendingToolCalls.count,
    toolCalls: toolCalls.count,
    agentAuthRecords: agentAuthRecords.count,
    agentRelays: questions.count + cancels.count,
    agentGrants,
  }
}

/**
 * Connected apps rows whose grant has lapsed (the authorization server's Grant record expired and was swept above):
 * the app can never use it again and must connect anew, so it is no longer listed as connected. Its sessions and
 * elicitations go with it by cascade.
 */
async function deleteLapsedAgentGrants(now: Date): Promise<number> {
  const db = getDb()
  const candidates = await db.agentGrant.findMany({ where: { createdAt: { lt: new Date(now.getTime() - AGENT_GRANT_GRACE_MS) } }, select: { id: true } })
  let deleted = 0
  // In slices, so a large install stays under the databases' limits on bound parameters.
  for (let start = 0; start < candidates.length; start += 500) {
    const ids = candidates.slice(start, start + 500).map((grant) => grant.id)
    const live = await db.agentAuthRecord.findMany({ where: { model: 'Grant', grantId: { in: ids } }, select: { grantId: true } })
    const liveIds = new Set(live.map((record) => record.grantId))
    const lapsed = ids.filter((id) => !liveIds.has(id))
    if (lapsed.length > 0) deleted += (await db.agentGrant.deleteMany({ where: { id: { in: lapsed } } })).count
  }
  return deleted
}

/**
 * Sweeps once now and then every `intervalMs`, without keeping the process alive. Returns the
 * function that stops it. A failed sweep is logged and retried at the next tick, never thrown.
 */
export function startHousekeeping(intervalMs = HOUSEKEEPING_INTERVAL_MS): () => void {
  let running = false
  const sweep = async () => {
    // A sweep slower than the interval (a locked database) is not stacked on top of itself.
    if (running) return
    running = true
    const started = Date.now()
    try {
      const deleted = await runHousekeeping()
      logger.debug({ ...deleted, durationMs: Date.now() - started }, 'housekeeping: deleted expired rows')
    } catch (error) {
      logger.warn({ err: error }, 'housekeeping failed; it is tried again at the next interval')
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => void sweep(), intervalMs)
  timer.unref()
  void sweep()
  return () => clearInterval(timer)
}
