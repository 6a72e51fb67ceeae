import { expect, test } from 'vitest'
import { candidateEndpoints } from '#app/mcp/endpoint-suggestion.server.ts'

test('the common MCP paths are tried under the typed path, then at the origin, never the typed address itself', () => {
  expect(candidateEndpoints('https://mcp.example.com/')).toEqual(['https://mcp.example.com/mcp', 'https://mcp.example.com/sse'])
  expect(candidateEndpoints('https://example.com/api/')).toEqual([
    'https://example.com/api/mcp',
    'https://example.com/api/sse',
    'https://example.com/mcp',
    'https://example.com/sse',
  ])
})

test('an address that already ends in a common path, or is no URL, gets no suggestion', () => {
  expect(candidateEndpoints('https://example.com/mcp')).toEqual([])
  expect(candidateEndpoints('https://example.com/v1/sse/')).toEqual([])
  expect(candidateEndpoints('not a url')).toEqual([])
})
