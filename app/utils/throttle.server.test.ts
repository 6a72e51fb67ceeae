import { expect, test } from 'vitest'
import { type BackoffRule, backoffDelayMs, describeWait } from '#app/utils/throttle.server.ts'

const rule: BackoffRule = { freeFailures: 5, firstDelayMs: 30_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 }

test('the first failures are free, then the wait doubles per failure up to the cap', () => {
  expect([0, 1, 5].map((n) => backoffDelayMs(rule, n))).toEqual([0, 0, 0])
  expect([6, 7, 8, 9, 10].map((n) => backoffDelayMs(rule, n))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000])
  expect(backoffDelayMs(rule, 11)).toBe(15 * 60_000)
  // A count far beyond any real one stays at the cap instead of overflowing.
  expect(backoffDelayMs(rule, 1_000_000)).toBe(15 * 60_000)
})

test('a wait is said in whole seconds under a minute and in whole minutes from there, rounded up', () => {
  expect(describeWait(1)).toBe('1 second')
  expect(describeWait(29_001)).toBe('30 seconds')
  expect(describeWait(60_000)).toBe('1 minute')
  expect(describeWait(61_000)).toBe('2 minutes')
  expect(describeWait(15 * 60_000)).toBe('15 minutes')
})
