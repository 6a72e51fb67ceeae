import { expect, test } from 'vitest'
import { nestsDeeperThan } from '#app/mcp/display-bounds.ts'
import { cutDeepValues, MAX_MESSAGE_DEPTH, TOO_DEEP_MARKER } from '#app/mcp/transport/message-depth.server.ts'

test('a value nested 200,000 deep is cut at the message depth, without overflowing, and stays "too deep" for the display', () => {
  const deep: unknown = JSON.parse(`${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`)
  const cut = cutDeepValues({ result: { structuredContent: deep } })
  expect(nestsDeeperThan(cut, MAX_MESSAGE_DEPTH + 1)).toBe(false)
  expect(nestsDeeperThan(cut.result.structuredContent, 100)).toBe(true)
  expect(JSON.stringify(cut)).toContain(TOO_DEEP_MARKER)
})

test('values within the depth, arrays included, are left exactly as sent', () => {
  const message = { jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'x', inputSchema: { type: 'object', properties: { a: { type: 'array', items: [1, { b: null }] } } } }] } }
  const copy = structuredClone(message)
  expect(cutDeepValues(message)).toEqual(copy)
  const array: unknown = JSON.parse(`${'['.repeat(5)}1${']'.repeat(5)}`)
  expect(cutDeepValues(array, 3)).toEqual([[[TOO_DEEP_MARKER]]])
})
