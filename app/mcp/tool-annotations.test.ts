import { expect, test } from 'vitest'
import { toolBadges } from '#app/mcp/tool-annotations.ts'

test('each hint a server sets to true becomes a badge; hints left out are not guessed', () => {
  expect(toolBadges(undefined)).toEqual([])
  expect(toolBadges({})).toEqual([])
  expect(toolBadges({ destructiveHint: true, openWorldHint: true }).map((badge) => badge.label)).toEqual(['Destructive', 'Open world'])
  expect(toolBadges({ readOnlyHint: false, destructiveHint: false, idempotentHint: true }).map((badge) => badge.label)).toEqual(['Idempotent'])
  expect(toolBadges({ destructiveHint: true })[0]).toMatchObject({ key: 'destructive', tone: 'warn' })
})

test('“destructive” on a read-only tool is meaningless (the spec says so) and is not shown', () => {
  expect(toolBadges({ readOnlyHint: true, destructiveHint: true }).map((badge) => badge.label)).toEqual(['Read-only'])
})
