import { expect, test } from 'vitest'
import { ownResult, toolError, toolResultOf } from '#app/gateway/results.ts'

test('an upstream tool result becomes ours: its wire-only fields dropped, anything else a tool error naming the server', () => {
  const upstream = { resultType: 'complete', ttlMs: 5, cacheScope: 'session', content: [{ type: 'text', text: 'hi' }], structuredContent: { a: 1 } }
  expect(toolResultOf({ name: 'Peer' }, upstream)).toEqual({ content: [{ type: 'text', text: 'hi' }], structuredContent: { a: 1 } })
  expect(ownResult({ contents: [], resultType: 'complete' })).toEqual({ contents: [] })
  expect(toolResultOf({ name: 'Peer' }, { nope: true })).toEqual(toolError('Peer answered with something that is not a tool result.'))
})
