// Counters of events per key in the Throttle table: fixed windows (sign-ups, re-registrations,
// step-ups) and growing delays after failures (sign-in, docs/decisions/012-sign-in-throttling.md).
import { z } from 'zod'
import { SqlInteger, getDb, isUniqueViolation } from '#app/utils/db.server.ts'

/** A fixed-window limit: at most `limit` counted events per `windowMs`. */
export type ThrottleRule = { limit: number; windowMs: number }

/**
 * Growing delays (OWASP Authentication Cheat Sheet, "Login Throttling"): the first `freeFailures`
 * cost nothing; after each further failure the next attempt must wait `firstDelayMs`, doubling per
 * failure up to `maxDelayMs`, measured from the last failure. A key with no failure for
 * `forgetAfterMs` starts again from zero.
 */
export type BackoffRule = { freeFailures: number; firstDelayMs: number; maxDelayMs: number; forgetAfterMs: number }

const SECOND_MS = 1000
const MINUTE_MS = 60 * SECOND_MS
const HOUR_MS = 60 * MINUTE_MS

/** One account from one address: a few typos are free, a guesser there soon waits up to 15 minutes. */
export const LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS: BackoffRule = {
  freeFailures: 5,
  firstDelayMs: 30 * SECOND_MS,
  maxDelayMs: 15 * MINUTE_MS,
  forgetAfterMs: HOUR_MS,
}
/**
 * One account from one browser that signed in to it before (a device cookie): the same rule as from
 * one address, but guesses elsewhere never reach it.
 */
export const LOGIN_FAILURES_PER_ACCOUNT_AND_DEVICE: BackoffRule = LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
/**
 * One account from every address together (browsers without a device cookie for it): looser, with short delays, so guessing spread over many
 * addresses is slowed while the owner, from anywhere, waits at most half a minute.
 */
export const LOGIN_FAILURES_PER_ACCOUNT: BackoffRule = {
  freeFailures: 10,
  firstDelayMs: SECOND_MS,
  maxDelayMs: 30 * SECOND_MS,
  forgetAfterMs: HOUR_MS,
}
/** One address against every account (credential stuffing); generous, since offices share addresses. */
export const LOGIN_FAILURES_PER_ADDRESS: BackoffRule = {
  freeFailures: 50,
  firstDelayMs: SECOND_MS,
  maxDelayMs: 15 * MINUTE_MS,
  forgetAfterMs: 15 * MINUTE_MS,
}
/**
 * Step-ups that no stopped tool call counts (tools/list itself refused, the Tools page): per person
 * and server, so that "Grant more access" cannot repeat forever (docs/decisions/015).
 */
export const STEP_UPS_WITHOUT_CALL: ThrottleRule = { limit: 3, windowMs: HOUR_MS }
/** Every sign-up attempt from one address counts, refused ones included. */
export const SIGNUPS_PER_IP: ThrottleRule = { limit: 20, windowMs: HOUR_MS }

/**
 * How long a throttle row matters at most after its last event: every rule's window and forget
 * period is shorter, so housekeeping may delete older rows without changing any answer.
 */
export const THROTTLE_ROW_TTL_MS = 24 * HOUR_MS

type ThrottleRow = { count: number; windowStart: Date; lastEventAt: Date | null }

function findRow(key: string): Promise<ThrottleRow | null> {
  return getDb().throttle.findUnique({ where: { key }, select: { count: true, windowStart: true, lastEventAt: true } })
}

/** How long until `key` may be used again under `rule`; 0 when it is not throttled. */
export async function throttleRetryAfterMs(key: string, rule: ThrottleRule, now = new Date()): Promise<number> {
  const row = await findRow(key)
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
    create: { key, count: 1, windowStart: now, lastEventAt: now },
    update: { count: { increment: 1 }, lastEventAt: now },
  })
}

/**
 * Counts one event for `key` and says how long until the key may be used again (0: this event is allowed), in one
 * statement while a window lasts: for hot paths (every agent request) where a read and two writes per event would
 * cost more than the work they guard. Refused events count too (the window's end does not move). The statement
 * after a window ended restarts it by compare-and-set on its start, so of parallel requests one restarts it and the
 * others count in the new one; a lost race costs at most a miscount of one, as with recordThrottledEvent.
 */
export async function countThrottledEvent(key: string, rule: ThrottleRule, now = new Date()): Promise<number> {
  const db = getDb()
  // Plain SQL (ADR 037): the same upsert as Prisma's, at half its cost; ON CONFLICT … RETURNING reads alike on SQLite
  // (3.35+) and PostgreSQL.
  const rows = await db.$queryRaw<unknown[]>`
    INSERT INTO "Throttle" ("key", "count", "windowStart", "lastEventAt") VALUES (${key}, 1, ${now}, ${now})
    ON CONFLICT ("key") DO UPDATE SET "count" = "Throttle"."count" + 1, "lastEventAt" = ${now}
    RETURNING "count", "windowStart"`
  const row = CountedRowSchema.parse(rows[0])
  const windowEnds = row.windowStart.getTime() + rule.windowMs
  if (windowEnds <= now.getTime()) {
    await db.throttle.updateMany({ where: { key, windowStart: row.windowStart }, data: { count: 1, windowStart: now } })
    return 0
  }
  return row.count > rule.limit ? windowEnds - now.getTime() : 0
}

const CountedRowSchema = z.object({ count: SqlInteger, windowStart: z.coerce.date() })

/** The wait `rule` requires after `failures` failures in a row, from the last one. */
export function backoffDelayMs(rule: BackoffRule, failures: number): number {
  if (failures <= rule.freeFailures) return 0
  // The exponent is capped so that a huge count cannot overflow to Infinity.
  const doublings = Math.min(failures - rule.freeFailures - 1, 40)
  return Math.min(rule.maxDelayMs, rule.firstDelayMs * 2 ** doublings)
}

function backoffWaitMs(row: ThrottleRow, rule: BackoffRule, now: Date): number {
  // Rows written before lastEventAt existed count from their window's start.
  const last = (row.lastEventAt ?? row.windowStart).getTime()
  if (last + rule.forgetAfterMs <= now.getTime()) return 0
  const delayMs = backoffDelayMs(rule, row.count)
  // NOTE: a free failure means no wait even when a parallel request, whose clock read came later,
  // counted its failure "after" this request's now.
  if (delayMs === 0) return 0
  return Math.max(0, last + delayMs - now.getTime())
}

/** How long until `key` may try again under `rule` (measured from its last failure); 0 when it may now. */
async function backoffRetryAfterMs(key: string, rule: BackoffRule, now = new Date()): Promise<number> {
  const row = await findRow(key)
  return row ? backoffWaitMs(row, rule, now) : 0
}

/** An attempt counted as a failure before the password is checked; released when it was not one. */
export type Reservation = {
  key: string
  count: number
  at: Date
  /** The row as it was before, restored on release; null when the reservation created it. */
  previous: ThrottleRow | null
}

export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; retryAfterMs: number }

/** A request that keeps losing to parallel ones this often is refused for a moment (see reserveAttempt). */
const MAX_RESERVE_TRIES = 10
/** The wait said to a request that kept losing to parallel ones. */
const CONTENDED_WAIT_MS = SECOND_MS

/**
 * Counts one attempt for `key` in advance, in one conditional statement, when `rule` lets it try now.
 * The update matches only the row as read (count and last event), so of N parallel requests that read
 * the same row exactly one wins; the others read again and then wait or, while failures are still
 * free, try again. Correct on SQLite (writes are serialized) and PostgreSQL (a blocked UPDATE re-checks
 * its WHERE on the row it waited for).
 * NOTE: this relies on `updateMany` sending one `UPDATE … WHERE` with the whole filter, as Prisma 7 does;
 * Prisma before 4 selected the ids first (https://github.com/prisma/prisma/issues/8612).
 */
export async function reserveAttempt(key: string, rule: BackoffRule, now = new Date()): Promise<ReserveResult> {
  const db = getDb()
  for (let tries = 0; tries < MAX_RESERVE_TRIES; tries++) {
    const row = await findRow(key)
    if (!row) {
      try {
        await db.throttle.create({ data: { key, count: 1, windowStart: now, lastEventAt: now }, select: { key: true } })
        return { ok: true, reservation: { key, count: 1, at: now, previous: null } }
      } catch (error) {
        // Another request created it first: read it again.
        if (isUniqueViolation(error)) continue
        throw error
      }
    }
    const retryAfterMs = backoffWaitMs(row, rule, now)
    if (retryAfterMs > 0) return { ok: false, retryAfterMs }
    const last = row.lastEventAt ?? row.windowStart
    const forgotten = last.getTime() + rule.forgetAfterMs <= now.getTime()
    const count = forgotten ? 1 : row.count + 1
    const won = await db.throttle.updateMany({
      where: { key, count: row.count, lastEventAt: row.lastEventAt },
      data: { count, lastEventAt: now, ...(forgotten ? { windowStart: now } : {}) },
    })
    if (won.count === 1) return { ok: true, reservation: { key, count, at: now, previous: row } }
  }
  // So many attempts at once on one key are not a person typing: refuse this one for a moment.
  return { ok: false, retryAfterMs: CONTENDED_WAIT_MS }
}

/**
 * Takes back a reserved attempt (it was refused by another counter, or the password was right):
 * the row is restored as it was when nothing was counted since; otherwise only its count goes down.
 */
export async function releaseAttempt(reservation: Reservation): Promise<void> {
  const db = getDb()
  const { key, count, at, previous } = reservation
  const untouched = { key, count, lastEventAt: at }
  const undone = previous
    ? await db.throttle.updateMany({ where: untouched, data: previous })
    : await db.throttle.deleteMany({ where: untouched })
  if (undone.count === 1) return
  await db.throttle.updateMany({ where: { key, count: { gt: 0 } }, data: { count: { decrement: 1 } } })
}

/**
 * Reserves one attempt on every counter, or none: refused with the longest wait when any counter says
 * wait (read first, so a refused attempt writes nothing) or loses a race (reservations made are released).
 */
export async function reserveAttempts(
  counters: ReadonlyArray<{ key: string; rule: BackoffRule }>,
  now = new Date(),
): Promise<{ ok: true; reservations: Reservation[] } | { ok: false; retryAfterMs: number }> {
  const waits = await Promise.all(counters.map(({ key, rule }) => backoffRetryAfterMs(key, rule, now)))
  const retryAfterMs = Math.max(0, ...waits)
  if (retryAfterMs > 0) return { ok: false, retryAfterMs }
  const reservations: Reservation[] = []
  for (const { key, rule } of counters) {
    const result = await reserveAttempt(key, rule, now)
    if (!result.ok) {
      for (const reservation of reservations) await releaseAttempt(reservation)
      return result
    }
    reservations.push(result.reservation)
  }
  return { ok: true, reservations }
}

/** Forgets the events of `key` (e.g. the account's failures after a successful sign-in). */
export async function resetThrottle(key: string): Promise<void> {
  await getDb().throttle.deleteMany({ where: { key } })
}

/** Deletes rows whose last event is older than THROTTLE_ROW_TTL_MS (they no longer change any answer). */
export async function deleteExpiredThrottles(now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - THROTTLE_ROW_TTL_MS)
  const deleted = await getDb().throttle.deleteMany({
    where: { OR: [{ lastEventAt: { lt: cutoff } }, { lastEventAt: null, windowStart: { lt: cutoff } }] },
  })
  return deleted.count
}

/** "30 seconds", "4 minutes": a wait as a person reads it, rounded up. */
export function describeWait(ms: number): string {
  if (ms < MINUTE_MS) {
    const seconds = Math.max(1, Math.ceil(ms / SECOND_MS))
    return `${seconds} second${seconds === 1 ? '' : 's'}`
  }
  const minutes = Math.ceil(ms / MINUTE_MS)
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}
