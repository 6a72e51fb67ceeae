// The one-statement window counter the MCP endpoints use per request (countThrottledEvent), on both databases:
// it allows `limit` events per window, refuses the rest until the window ends, and starts a new window after it.
import { randomBytes } from 'node:crypto'
import { expect, test } from 'vitest'
import { getDb } from '#app/utils/db.server.ts'
import { countThrottledEvent } from '#app/utils/throttle.server.ts'

const rule = { limit: 3, windowMs: 60_000 }

test('a window allows its limit, then says how long until it ends; a new window starts after it', async () => {
  const key = `window-test:${randomBytes(4).toString('hex')}`
  const start = new Date('2026-12-05T08:00:00Z')
  const at = (ms: number) => new Date(start.getTime() + ms)

  expect(await countThrottledEvent(key, rule, at(0))).toBe(0)
  expect(await countThrottledEvent(key, rule, at(1_000))).toBe(0)
  expect(await countThrottledEvent(key, rule, at(2_000))).toBe(0)
  // The fourth within the minute: refused until the window that began at 0 ends.
  expect(await countThrottledEvent(key, rule, at(10_000))).toBe(50_000)
  // Refused events count too, but never move the window's end.
  expect(await countThrottledEvent(key, rule, at(59_000))).toBe(1_000)

  // The window has ended: this event starts the next one and is allowed, and so are two more.
  expect(await countThrottledEvent(key, rule, at(60_000))).toBe(0)
  expect(await getDb().throttle.findUnique({ where: { key }, select: { count: true, windowStart: true } })).toEqual({ count: 1, windowStart: at(60_000) })
  expect(await countThrottledEvent(key, rule, at(61_000))).toBe(0)
  expect(await countThrottledEvent(key, rule, at(62_000))).toBe(0)
  expect(await countThrottledEvent(key, rule, at(63_000))).toBe(57_000)
})

test('parallel events each count: of 10 at once with a limit of 3, exactly 7 are refused', async () => {
  const key = `window-test:${randomBytes(4).toString('hex')}`
  const now = new Date()
  const answers = await Promise.all(Array.from({ length: 10 }, () => countThrottledEvent(key, rule, now)))
  expect(answers.filter((wait) => wait === 0)).toHaveLength(3)
  expect(answers.filter((wait) => wait > 0)).toHaveLength(7)
})
