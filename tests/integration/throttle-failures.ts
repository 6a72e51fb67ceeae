// Test set-up for the sign-in throttle: counts failures on a key directly, as if that many wrong passwords had
// been sent (the app counts through reserveAttempt, which refuses once a wait applies).
import { getDb } from '#app/utils/db.server.ts'
import type { BackoffRule } from '#app/utils/throttle.server.ts'

/** Counts one failure for `key`; a key quiet for `rule.forgetAfterMs` starts again from zero. */
export async function recordFailure(key: string, rule: BackoffRule, now = new Date()): Promise<void> {
  const db = getDb()
  const forgotten = new Date(now.getTime() - rule.forgetAfterMs)
  // As in recordThrottledEvent: safe on several instances, a lost race costs at most one miscount.
  await db.throttle.updateMany({
    where: { key, OR: [{ lastEventAt: { lte: forgotten } }, { lastEventAt: null, windowStart: { lte: forgotten } }] },
    data: { count: 0, windowStart: now },
  })
  await db.throttle.upsert({
    where: { key },
    create: { key, count: 1, windowStart: now, lastEventAt: now },
    update: { count: { increment: 1 }, lastEventAt: now },
  })
}
