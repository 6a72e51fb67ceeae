import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError, UnsupportedProtocolVersionError } from '@modelcontextprotocol/client'
import { expect, test } from 'vitest'
import { toMcpFailure } from '#app/mcp/transport/failure.server.ts'
import { isLegacyRevision, SPOKEN_PROTOCOL_VERSIONS } from '#app/mcp/transport/revisions.ts'

// The shapes the v2 SDK client throws for a request the server refused (see
// tests/integration/hostile-servers.test.ts for the same against a real HTTP server).
const refusedOver400 = (error: unknown) => {
  const text = JSON.stringify({ jsonrpc: '2.0', id: 0, error })
  return new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, { status: 400, statusText: 'Bad Request', text })
}
const asked = `The server does not speak any MCP revision Switchboard speaks (${SPOKEN_PROTOCOL_VERSIONS.join(', ')}).`

test('a -32022 refusal of an initialize names the versions the server lists, dropping anything that is not a version', () => {
  const failure = toMcpFailure(
    refusedOver400({ code: -32022, message: 'Unsupported protocol version', data: { supported: ['2027-01-01', 42, 'a b', 'x'.repeat(41)], requested: 'x' } }),
  )
  expect(failure.kind).toBe('protocol_error')
  expect(failure.message).toBe(`${asked} It supports: 2027-01-01.`)
  expect(failure.versionRefusal).toEqual({ supported: ['2027-01-01'] })
})

test('the older spelling (-32602 "Unsupported protocol version" with data.supported) is read the same way', () => {
  const failure = toMcpFailure(refusedOver400({ code: -32602, message: 'Unsupported protocol version', data: { supported: ['2024-10-07'] } }))
  expect(failure.message).toBe(`${asked} It supports: 2024-10-07.`)
})

test('a -32022 refusal without a list, in-band (a 2026-07-28 request), or as the cause of a failed negotiation, still says what happened', () => {
  expect(toMcpFailure(refusedOver400({ code: -32022, message: 'no' })).message).toBe(`${asked} It did not say which revisions it supports.`)
  const inBand = new UnsupportedProtocolVersionError({ supported: ['2027-01-01'], requested: '2026-07-28' })
  expect(toMcpFailure(inBand).message).toBe(`${asked} It supports: 2027-01-01.`)
  const negotiation = new SdkError(SdkErrorCode.EraNegotiationFailed, 'Version negotiation failed', undefined, { cause: inBand })
  expect(toMcpFailure(negotiation).message).toBe(`${asked} It supports: 2027-01-01.`)
})

test('any other 400 stays "not an MCP response", and other MCP errors are named as such', () => {
  expect(toMcpFailure(refusedOver400({ code: -32600, message: 'Invalid request', data: { supported: ['2026-07-28'] } })).message).toBe(
    'The address answered HTTP 400, not an MCP response.',
  )
  expect(toMcpFailure(new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'Error POSTing to endpoint: <html>nope</html>', { status: 400 })).kind).toBe('not_mcp')
  expect(toMcpFailure(new ProtocolError(-32603, 'Internal error')).kind).toBe('protocol_error')
  expect(toMcpFailure(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out')).kind).toBe('timeout')
})

test('only 2025-era revisions skip the server/discover probe', () => {
  expect(isLegacyRevision('2025-11-25')).toBe(true)
  expect(isLegacyRevision('2024-11-05')).toBe(true)
  expect(isLegacyRevision('2026-07-28')).toBe(false)
  expect(isLegacyRevision('DRAFT-2027-v1')).toBe(false)
  expect(isLegacyRevision(null)).toBe(false)
})
