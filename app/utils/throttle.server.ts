import { getDb } from '#app/utils/db.server.ts'

/** A fixed-window limit: at most `limit` counted events per `windowMs`. */
export type ThrottleRule = { limit: number; windowMs: number }

export const LOGIN_FAILURES_PER_ACCOUNT: ThrottleRule = { limit: 10, windowMs: 15 * 60 * 1000 }
export const LOGIN_FAILURES_PER_IP: ThrottleRule = { limit: 50, windowMs: 15 * 60 * 1000 }
export const SIGNUPS_PER_IP: ThrottleRule = { limit: 20, windowMs: 60 * 60 * 1000 }

/** How long until `key` may be used again under `rule`; 0 when it is not throttled. */
export async function throttleRetryAfterMs(key: string, rule: ThrottleRule, now = new Date()): Promise<number> {
  const row = await getDb().throttle.findUnique({ where: { key }, select: { count: true, windowStart: true } })
  if (!row) return 0
  const windowEnds = row.windowStart.getTime() + rule.windowMs
  if (windowEnds <= now.getTime() || row.count < rule.limit) return 0
  return windowEnds - now.getTime()
}

/** Counts one event for `key`, starting a new window when the old one has ended. */
export async function recordThrottledEvent(key: string, rule: ThrottleRule, now = new Date()): Promise<void> {
  const db = getDb()
  // An expired window restarts at 0 before counting; both statements are safe to run
  // concurrently on several instances (a lost race costs at most one miscount).
  await db.throttle.updateMany({
    where: { key, windowStart: { lte: new Date(now.getTime() - rule.windowMs) } },
    data: { count: 0, windowStart: now },
  })
  await db.throttle.upsert({
    where: { key },
    create: { key, count: 1, windowStart: now },
    update: { count: { increment: 1 } },
  })
}

/** Forgets the events of `key` (e.g. the account's failures after a successful sign-in). */
export async function resetThrottle(key: string): Promise<void> {
  await getDb().throttle.deleteMany({ where: { key } })
}
