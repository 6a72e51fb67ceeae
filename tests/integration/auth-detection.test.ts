import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { requireServer } from '#app/models/server.server.ts'
import { listServerTools } from '#app/mcp/tools.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { probeMcpServer } from '#app/mcp/probe.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { createTestUser } from '#tests/utils.ts'

/**
 * A gate in front of the demo server that behaves like an OAuth-protected MCP server:
 * depending on the mode it lets `initialize` through and then asks for a Bearer token, or
 * answers 401 without a challenge while publishing protected-resource metadata.
 */
type Mode = 'open' | 'bearer-after-initialize' | 'metadata-only' | 'foreign-metadata' | 'plain-401' | 'bare-bearer-401' | 'basic-401' | 'api-key-hint-401'
let demo: DemoMcpServer
let gate: http.Server
let gateOrigin: string
let mode: Mode = 'open'

beforeAll(async () => {
  demo = await startDemoMcpServer()
  const upstream = new URL(demo.url)
  gate = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (req.url?.startsWith('/.well-known/oauth-protected-resource')) {
        if (mode !== 'metadata-only' && mode !== 'foreign-metadata') return void res.writeHead(404).end()
        const resource = mode === 'foreign-metadata' ? 'https://elsewhere.example/mcp' : `${gateOrigin}/mcp`
        res.writeHead(200, { 'content-type': 'application/json' })
        return void res.end(JSON.stringify({ resource, authorization_servers: ['https://auth.example.com'] }))
      }
      const isInitialize = body.toString().includes('"method":"initialize"')
      const challenge = `Bearer resource_metadata="${gateOrigin}/.well-known/oauth-protected-resource/mcp", scope="tools:read"`
      if (mode === 'plain-401' || mode === 'metadata-only' || mode === 'foreign-metadata') {
        res.writeHead(401, { 'content-type': 'application/json' })
        return void res.end('{"error":"unauthorized"}')
      }
      if (mode === 'bare-bearer-401' || mode === 'basic-401') {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': mode === 'basic-401' ? 'Basic realm="mcp"' : 'Bearer' })
        return void res.end('{"error":"unauthorized"}')
      }
      if (mode === 'api-key-hint-401') {
        res.writeHead(401, { 'content-type': 'application/json' })
        return void res.end('{"error":"invalid_api_key","message":"Send the X-Api-Key header."}')
      }
      if (mode === 'bearer-after-initialize' && req.method === 'POST' && !isInitialize && !body.toString().includes('notifications/')) {
        res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' })
        return void res.end('{"error":"invalid_token"}')
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: req.method, headers: { ...req.headers, host: upstream.host } },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
          upstreamRes.pipe(res)
        },
      )
      forward.on('error', () => res.writeHead(502).end())
      forward.end(body)
    })
  })
  await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve))
  gateOrigin = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`
})
afterAll(async () => {
  await getSessionPool().closeAll()
  gate.closeAllConnections()
  await new Promise((resolve) => gate.close(resolve))
  await demo.close()
})

const endpoint = () => ({ url: `${gateOrigin}/mcp`, transport: 'auto' as const, headers: {}, timeoutMs: 5000 })

test('a server that opens initialize but answers later requests with a Bearer challenge is detected as OAuth', async () => {
  mode = 'bearer-after-initialize'
  const probe = await probeMcpServer(endpoint())
  expect(probe.outcome).toBe('oauth')
  expect(probe.resourceMetadataUrl).toBe(`${gateOrigin}/.well-known/oauth-protected-resource/mcp`)
  expect(probe.scope).toBe('tools:read')
})

test('a 401 without a challenge is OAuth when protected-resource metadata is published, otherwise it needs credentials of an unknown kind', async () => {
  mode = 'metadata-only'
  const withMetadata = await probeMcpServer(endpoint())
  expect(withMetadata.outcome).toBe('oauth')
  expect(withMetadata.resourceMetadataUrl).toBe(`${gateOrigin}/.well-known/oauth-protected-resource/mcp`)
  mode = 'plain-401'
  const plain = await probeMcpServer(endpoint())
  expect(plain.outcome).toBe('credentials_required')
  expect(plain.message).toMatch(/asks for credentials but does not say which kind/)
  // A bare Bearer with nothing published may be a static token as much as 2025-03-26 OAuth.
  mode = 'bare-bearer-401'
  expect((await probeMcpServer(endpoint())).outcome).toBe('credentials_required')
})

test('protected-resource metadata for another resource is no sign of OAuth: the probe checks it as Connect would (RFC 9728 §3.3)', async () => {
  mode = 'foreign-metadata'
  const probe = await probeMcpServer(endpoint())
  expect(probe.outcome).toBe('credentials_required')
  expect(probe.resourceMetadataUrl).toBeNull()
})

test('a 401 that names another scheme or hints at a header needs static headers, and so does a header that is refused', async () => {
  mode = 'basic-401'
  expect((await probeMcpServer(endpoint())).outcome).toBe('headers_required')
  mode = 'api-key-hint-401'
  expect((await probeMcpServer(endpoint())).outcome).toBe('headers_required')
  mode = 'plain-401'
  expect((await probeMcpServer({ ...endpoint(), headers: { 'X-Api-Key': 'wrong' } })).outcome).toBe('headers_required')
})

test('a server that starts asking for a Bearer token after it was added turns into an OAuth server and says so', async () => {
  mode = 'open'
  const user = await createTestUser()
  const row = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: 'Gate', url: `${gateOrigin}/mcp`, timeoutMs: 5000 },
    select: { id: true },
  })
  const server = await requireServer(user.workspaceId, row.id)
  expect((await listServerTools(user.id, server)).ok).toBe(true)
  mode = 'bearer-after-initialize'
  await getSessionPool().closeServer(server.id)
  const outcome = await listServerTools(user.id, server)
  expect(outcome.ok).toBe(false)
  if (!outcome.ok) {
    expect(outcome.failure.action).toBe('connect')
    expect(outcome.failure.message).toMatch(/now marked as an OAuth server/)
  }
  expect(await getDb().mcpServer.findUniqueOrThrow({ where: { id: server.id }, select: { authType: true } })).toEqual({ authType: 'oauth' })
  // An admin's explicit choice is kept.
  await getDb().mcpServer.update({ where: { id: server.id }, data: { authType: 'none', authTypeLocked: true } })
  await listServerTools(user.id, await requireServer(user.workspaceId, server.id))
  expect(await getDb().mcpServer.findUniqueOrThrow({ where: { id: server.id }, select: { authType: true } })).toEqual({ authType: 'none' })
})

test('static headers are sent to the MCP server and never to another origin', async () => {
  mode = 'open'
  const { guardedFetchFor, mcpFetch } = await import('#app/mcp/transport/client.server.ts')
  const fetch = mcpFetch({ ...endpoint(), headers: { 'X-Api-Key': 'k-123' } }, { last: null }, guardedFetchFor(5000))
  const initialize = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
  })
  const init = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: initialize }
  // Through the gate (the server's own origin): the header arrives.
  await (await fetch(`${gateOrigin}/mcp`, init)).text()
  expect(demo.stats.lastHeaders['x-api-key']).toBe('k-123')
  // Straight to the demo server, another origin (other port): no header.
  await (await fetch(demo.url, init)).text()
  expect(demo.stats.lastHeaders).not.toHaveProperty('x-api-key')
})
