import http from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { action as toolAction, loader as toolLoader } from '#app/routes/w.$workspaceId.servers.$serverId.tools.$toolName.tsx'
import { loader as toolsLoader } from '#app/routes/w.$workspaceId.tools.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { probeMcpServer } from '#app/mcp/probe.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import { type HostileMcpServer, HUGE_TEXT_CHARS, startHostileMcpServer } from '#tests/servers/hostile-mcp-server.ts'
import { createTestUser, dataOf, formRequest, getRequest, loadContext, sessionCookieFor, statusOf } from '#tests/utils.ts'

// Servers that send more than a page can hold: a 4.5 M-character result, a schema nested 3,000
// deep, structured content nested 200,000 deep, and a refusal of our protocol version.

let hostile: HostileMcpServer
let versionRefuser: http.Server
let versionRefuserUrl: string
let refuserRequests = 0

beforeAll(async () => {
  hostile = await startHostileMcpServer()
  // Answers every request (server/discover, initialize) as a server of a later revision that
  // speaks none of ours would (SEP-2575: -32022 with the versions it supports).
  versionRefuser = http.createServer((req, res) => {
    refuserRequests += 1
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body: unknown = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : null
      const id = typeof body === 'object' && body !== null && 'id' in body ? body.id : null
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          error: {
            code: -32022,
            message: 'Unsupported protocol version',
            data: { supported: ['DRAFT-2027-v1', '<script>alert(1)</script>'], requested: '2026-07-28' },
          },
        }),
      )
    })
  })
  versionRefuserUrl = `${await listenOnLoopback(versionRefuser)}/mcp`
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await closeServer(versionRefuser)
  await hostile.close()
})

async function setUp(url = hostile.url) {
  const user = await createTestUser()
  const server = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: `hostile-${Math.random().toString(36).slice(2)}`, url, timeoutMs: 20_000 },
    select: { id: true },
  })
  const cookie = await sessionCookieFor(user.id)
  return { user, serverId: server.id, cookie }
}

function toolPath(workspaceId: string, serverId: string, tool: string) {
  return `/w/${workspaceId}/servers/${serverId}/tools/${tool}`
}

/** The page data as the browser would get it; throws where serialisation would (stack overflow). */
function serialized(result: unknown): string {
  return JSON.stringify(dataOf(result))
}

test('a 4.5 M-character result and huge media reach the page as a bounded display result with notes', async () => {
  const { user, serverId, cookie } = await setUp()
  const params = { workspaceId: user.workspaceId, serverId, toolName: 'huge_result' }
  const result = await toolAction({
    request: formRequest(toolPath(user.workspaceId, serverId, 'huge_result'), { intent: 'run-tool' }, cookie),
    params,
    context: loadContext(),
  })
  expect(statusOf(result)).toBe(200)
  const body = serialized(result)
  // 100,000 characters of text are shown; the 4.5 M-character text and 12 M base64 characters are not sent.
  expect(body.length).toBeLessThan(110_000)
  expect(body).toContain(`"totalChars":${HUGE_TEXT_CHARS}`)
  expect(body).toContain('Not shown: the image is too large to display here (4.3 MB).')
  expect(body).toContain('"kind":"resource-blob"')
  expect(body).not.toContain('AAAAAAAA')
})

test('a schema nested 3,000 deep and structured content nested 200,000 deep give fallbacks, not a 500', async () => {
  const { user, serverId, cookie } = await setUp()
  const params = { workspaceId: user.workspaceId, serverId, toolName: 'deep_schema' }
  const tools = await toolsLoader({ request: getRequest(`/w/${user.workspaceId}/tools`, cookie), params, context: loadContext() })
  const listed = tools.sections[0]?.tools.find((tool) => tool.name === 'deep_schema')
  expect(listed?.schemaProblem).toBe('This tool’s input schema is nested too deeply to display (more than 64 levels).')
  expect(serialized(tools).length).toBeLessThan(5_000)

  const page = await toolLoader({ request: getRequest(toolPath(user.workspaceId, serverId, 'deep_schema'), cookie), params, context: loadContext() })
  expect(page.tool?.form.schemaError).toMatch(/^This tool’s input schema is nested too deeply to display \(more than 64 levels\)\. .*enter them as JSON/)
  expect(page.tool?.form.rawJson.needed).toBe(true)
  expect(page.tool?.schemaJson).toEqual({ text: '', tooDeep: 100 })
  expect(serialized(page).length).toBeLessThan(5_000)

  // The SDK client compiles output schemas while listing tools: a deep one must not take the list down.
  expect(tools.sections[0]?.failure).toBeNull()
  expect(tools.sections[0]?.tools.map((tool) => tool.name)).toEqual(['huge_result', 'deep_schema', 'deep_output_schema'])
  const checked = await toolAction({
    request: formRequest(toolPath(user.workspaceId, serverId, 'deep_output_schema'), { intent: 'run-tool' }, cookie),
    params: { ...params, toolName: 'deep_output_schema' },
    context: loadContext(),
  })
  expect(statusOf(checked)).toBe(200)
  expect(serialized(checked)).toContain('Output checked')

  const called = await toolAction({
    request: formRequest(toolPath(user.workspaceId, serverId, 'deep_schema'), { intent: 'run-tool', 'arguments-json': '{"next": "x"}' }, cookie),
    params,
    context: loadContext(),
  })
  expect(statusOf(called)).toBe(200)
  const body = serialized(called)
  expect(body.length).toBeLessThan(5_000)
  expect(body).toContain('"structured":{"text":"","tooDeep":100}')
  expect(body).toContain('Deep result')
})

test('arguments typed as JSON nested too deeply get a sentence on the field instead of failing when sent', async () => {
  const { user, serverId, cookie } = await setUp()
  const params = { workspaceId: user.workspaceId, serverId, toolName: 'deep_schema' }
  const calls = hostile.stats.toolCalls
  const deep = `{"next":${'['.repeat(10_000)}${']'.repeat(10_000)}}`
  const result = await toolAction({
    request: formRequest(toolPath(user.workspaceId, serverId, 'deep_schema'), { intent: 'run-tool', 'arguments-json': deep }, cookie),
    params,
    context: loadContext(),
  })
  expect(statusOf(result)).toBe(400)
  expect(serialized(result)).toContain('Is nested too deeply (at most 100 levels)')
  expect(hostile.stats.toolCalls).toBe(calls)
})

test('a refused protocol version names the versions the server speaks, on the probe and on the Tools page', async () => {
  const before = refuserRequests
  const probe = await probeMcpServer({ url: versionRefuserUrl, transport: 'auto', headers: {}, timeoutMs: 5_000 })
  const sentence =
    'The server does not speak any MCP revision Switchboard speaks (2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05). It supports: DRAFT-2027-v1.'
  expect(probe.outcome).toBe('protocol_error')
  expect(probe.message).toBe(sentence)
  // It speaks Streamable HTTP: no retry over the legacy SSE transport.
  expect(refuserRequests - before).toBe(1)

  const { user, cookie } = await setUp(versionRefuserUrl)
  const tools = await toolsLoader({
    request: getRequest(`/w/${user.workspaceId}/tools`, cookie),
    params: { workspaceId: user.workspaceId },
    context: loadContext(),
  })
  expect(tools.sections[0]?.failure?.message).toBe(sentence)
  expect(serialized(tools)).not.toContain('HTTP 400')
})
