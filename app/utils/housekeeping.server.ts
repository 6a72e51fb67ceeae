// Removes rows that have expired and can never be used again: throttle counters past every rule's
// window, pending OAuth flows and stopped tool calls past their expiry. Each is one plain
// DELETE … WHERE expiresAt < now, so several instances may sweep at once without harm.
import { getDb } from '#app/utils/db.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { deleteExpiredThrottles } from '#app/utils/throttle.server.ts'

/** How often each instance sweeps. Expired rows are harmless meanwhile: every reader checks expiry. */
const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000

export type HousekeepingResult = { throttles: number; flows: number; pendingToolCalls: number }

/** Deletes every expired throttle row, pending OAuth flow and stopped tool call; returns how many of each. */
export async function runHousekeeping(now = new Date()): Promise<HousekeepingResult> {
  const db = getDb()
  const throttles = await deleteExpiredThrottles(now)
  const flows = await db.oAuthFlow.deleteMany({ where: { expiresAt: { lt: now } } })
  const pendingToolCalls = await db.pendingToolCall.deleteMany({ where: { expiresAt: { lt: now } } })
  return { throttles, flows: flows.count, pendingToolCalls: pendingToolCalls.count }
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
