import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js'
import { expect, test } from 'vitest'
import { toMcpFailure } from '#app/mcp/transport/client.server.ts'

// The shapes the SDK client throws for an initialize that the server refused (see
// tests/integration/hostile-servers.test.ts for the same against a real HTTP server).
const refusedOver400 = (error: unknown) => new StreamableHTTPError(400, `Error POSTing to endpoint: ${JSON.stringify({ jsonrpc: '2.0', id: 0, error })}`)
const asked = `The server does not support MCP protocol version ${LATEST_PROTOCOL_VERSION}, which Switchboard uses.`

test('a -32022 refusal names the versions the server lists, dropping anything that is not a version', () => {
  const failure = toMcpFailure(
    refusedOver400({ code: -32022, message: 'Unsupported protocol version', data: { supported: ['2026-07-28', 42, 'a b', 'x'.repeat(41)], requested: 'x' } }),
  )
  expect(failure.kind).toBe('protocol_error')
  expect(failure.message).toBe(`${asked} It supports: 2026-07-28.`)
})

test('the older spelling (-32602 "Unsupported protocol version" with data.supported) is read the same way', () => {
  const failure = toMcpFailure(refusedOver400({ code: -32602, message: 'Unsupported protocol version', data: { supported: ['2024-11-05'] } }))
  expect(failure.message).toBe(`${asked} It supports: 2024-11-05.`)
})

test('a -32022 refusal without a list, or inside a 200 response, still says what happened', () => {
  expect(toMcpFailure(refusedOver400({ code: -32022, message: 'no' })).message).toBe(`${asked} It did not say which versions it supports.`)
  expect(toMcpFailure(new McpError(-32022, 'Unsupported protocol version', { supported: ['2026-07-28'] })).message).toBe(
    `${asked} It supports: 2026-07-28.`,
  )
})

test('any other 400 stays "not an MCP response"', () => {
  expect(toMcpFailure(refusedOver400({ code: -32600, message: 'Invalid request', data: { supported: ['2026-07-28'] } })).message).toBe(
    'The address answered HTTP 400, not an MCP response.',
  )
  expect(toMcpFailure(new StreamableHTTPError(400, 'Error POSTing to endpoint: <html>nope</html>')).kind).toBe('not_mcp')
})
