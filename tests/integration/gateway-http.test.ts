import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getEnv } from '#app/utils/env.server.ts'
import { isGatewayPath } from '#app/utils/gateway-paths.ts'
import { type GatewayServer, startGatewayServer } from '#tests/support/gateway-server.ts'
import { createTestUser } from '#tests/utils.ts'

// The gateway wing's HTTP face (app/gateway/http.server.ts): what it refuses before any token is looked at.

let gateway: GatewayServer
let endpoint: string
beforeAll(async () => {
  gateway = await startGatewayServer()
  const user = await createTestUser()
  endpoint = `${gateway.publicOrigin}/mcp/${user.workspaceId}`
})
afterAll(() => gateway?.close())

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
})
const post = (headers: Record<string, string>, body = initialize) =>
  gateway.fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers }, body })

describe('the MCP endpoints before the token', () => {
  test('a request from a foreign web origin is refused (DNS rebinding), whatever it carries', async () => {
    const response = await post({ Origin: 'http://evil.example', Authorization: 'Bearer anything' })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { message: expect.stringMatching(/other web origins/) } })
  })

  test("Switchboard's own origin and no origin at all reach the bearer check", async () => {
    const cases: Array<Record<string, string>> = [{}, { Origin: new URL(getEnv().PUBLIC_URL).origin }]
    for (const headers of cases) {
      const response = await post(headers)
      expect(response.status).toBe(401)
    }
  })

  test('a message over the size limit is refused with 413 before it is read whole', async () => {
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { arguments: { text: 'x'.repeat(4 * getEnv().MAX_REQUEST_BODY_BYTES) } } })
    const response = await post({}, huge)
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: { code: -32600 } })
  })

  test('paths that are not an endpoint are not found, and ids are opaque words', async () => {
    expect(isGatewayPath('/mcp/ws1')).toBe(true)
    expect(isGatewayPath('/mcp/ws1/srv1')).toBe(true)
    expect(isGatewayPath('/mcp/ws1/srv1/more')).toBe(false)
    expect(isGatewayPath('/mcpx/ws1')).toBe(false)
    expect(isGatewayPath('/w/ws1/servers')).toBe(false)
    const response = await gateway.fetch(`${gateway.publicOrigin}/mcp/bad%20id`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: initialize })
    expect(response.status).toBe(404)
  })
})
