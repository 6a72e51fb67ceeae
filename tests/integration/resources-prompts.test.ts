// Resources, resource templates and prompts of a server (issue 11 point 18), against the demo MCP
// server on 127.0.0.1 (open, and behind an API key) and a server that offers neither.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { action as promptAction, loader as promptLoader } from '#app/routes/w.$workspaceId.servers.$serverId.prompts.$promptName.tsx'
import { loader as promptsLoader } from '#app/routes/w.$workspaceId.servers.$serverId.prompts._index.tsx'
import { loader as resourcesLoader } from '#app/routes/w.$workspaceId.servers.$serverId.resources._index.tsx'
import { loader as readLoader } from '#app/routes/w.$workspaceId.servers.$serverId.resources.read.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { API_KEY_HEADER, type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { type TestAccount, createTestAccount, dataOf, formRequest, getRequest, loadContext, settle, statusOf } from '#tests/utils.ts'

const API_KEY = 'resources-key-77'
let open: DemoMcpServer
let keyed: DemoMcpServer
let toolsOnly: { url: string; close(): Promise<void> }
let account: TestAccount
let openId: string

/** An MCP server with one tool and nothing else: no resources or prompts capability. */
async function startToolsOnlyServer() {
  const httpServer = http.createServer(async (req, res) => {
    const server = new McpServer({ name: 'tools-only', version: '1.0.0' })
    server.registerTool('ping', { description: 'Answers pong.' }, () => ({ content: [{ type: 'text', text: 'pong' }] }))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    await server.connect(transport)
    await transport.handleRequest(req, res)
  })
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  const { port } = httpServer.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/mcp`, close: () => new Promise<void>((resolve) => httpServer.close(() => resolve())) }
}

async function addServer(name: string, url: string, authType: 'none' | 'headers') {
  const server = await getDb().mcpServer.create({ data: { workspaceId: account.user.workspaceId, name, url, authType, authTypeLocked: true } })
  return server.id
}

function params(serverId: string, extra: Record<string, string> = {}) {
  return { workspaceId: account.user.workspaceId, serverId, ...extra }
}

beforeAll(async () => {
  ;[open, keyed, toolsOnly] = await Promise.all([startDemoMcpServer(), startDemoMcpServer({ apiKey: API_KEY }), startToolsOnlyServer()])
  account = await createTestAccount('Reader')
  openId = await addServer('Demo', open.url, 'none')
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([open?.close(), keyed?.close(), toolsOnly?.close()])
})

const base = (serverId: string) => `/w/${account.user.workspaceId}/servers/${serverId}`

test('the Resources page lists resources and templates; a resource reads as text, a filled-in template as an image', async () => {
  const page = dataOf(await resourcesLoader({ request: getRequest(`${base(openId)}/resources`, account.cookie), params: params(openId), context: loadContext() })) as {
    listing: { resources: Array<{ uri: string; title: string }>; templates: Array<{ uriTemplate: string; variables: string[] }> }
  }
  expect(page.listing.resources.map((resource) => resource.uri)).toEqual(['demo://docs/readme.md', 'demo://docs/changelog.md'])
  expect(page.listing.templates).toEqual([expect.objectContaining({ uriTemplate: 'demo://swatch/{color}', variables: ['color'] })])

  const read = dataOf(
    await readLoader({ request: getRequest(`${base(openId)}/resources/read?uri=${encodeURIComponent('demo://docs/readme.md')}`, account.cookie), params: params(openId), context: loadContext() }),
  ) as { content: { ok: true; blocks: Array<{ kind: string; text?: { text: string } }> } }
  expect(read.content.blocks[0]).toMatchObject({ kind: 'resource-text', text: { text: expect.stringContaining('# Switchboard demo MCP server') } })

  const swatch = dataOf(
    await readLoader({ request: getRequest(`${base(openId)}/resources/read?template=${encodeURIComponent('demo://swatch/{color}')}&var.color=blue`, account.cookie), params: params(openId), context: loadContext() }),
  ) as { uri: string; content: { blocks: Array<{ kind: string; mimeType?: string; src?: string }> } }
  expect(swatch.uri).toBe('demo://swatch/blue')
  expect(swatch.content.blocks[0]).toMatchObject({ kind: 'image', mimeType: 'image/png', src: expect.stringMatching(/^data:image\/png;base64,/) })

  const missing = dataOf(
    await readLoader({ request: getRequest(`${base(openId)}/resources/read?uri=${encodeURIComponent('demo://swatch/purple')}`, account.cookie), params: params(openId), context: loadContext() }),
  ) as { failure: { message: string } | null }
  expect(missing.failure?.message).toBeTruthy()
})

test('a prompt with arguments: required ones are asked for, the messages come back with the embedded document', async () => {
  const list = dataOf(await promptsLoader({ request: getRequest(`${base(openId)}/prompts`, account.cookie), params: params(openId), context: loadContext() })) as {
    listing: { prompts: Array<{ name: string; arguments: Array<{ name: string; required: boolean }> }> }
  }
  expect(list.listing.prompts.map((prompt) => prompt.name)).toEqual(['review_document', 'greeting'])
  expect(list.listing.prompts[0]?.arguments).toEqual([
    { name: 'document', description: 'Which document: readme or changelog.', required: true },
    { name: 'tone', description: expect.any(String), required: false },
  ])

  const page = { params: params(openId, { promptName: 'review_document' }), context: loadContext() }
  const path = `${base(openId)}/prompts/review_document`
  const missing = await promptAction({ request: formRequest(path, { 'arg.document': ' ' }, account.cookie), ...page })
  expect(statusOf(missing)).toBe(400)
  expect((dataOf(missing) as { errors: Record<string, string> }).errors).toEqual({ document: 'Enter document' })

  const got = dataOf(await promptAction({ request: formRequest(path, { 'arg.document': 'changelog', 'arg.tone': 'strict' }, account.cookie), ...page })) as {
    messages: { description: string; messages: Array<{ role: string; content: { blocks: Array<{ kind: string; text?: { text: string }; uri?: string }> } }> }
  }
  expect(got.messages.description).toBe('Review of Demo server changelog')
  expect(got.messages.messages.map((message) => [message.role, message.content.blocks[0]?.kind])).toEqual([
    ['user', 'text'],
    ['user', 'resource-text'],
  ])
  expect(got.messages.messages[0]?.content.blocks[0]?.text?.text).toContain('in a strict tone')

  const unknown = await settle(() => promptLoader({ request: getRequest(`${base(openId)}/prompts/nope`, account.cookie), params: params(openId, { promptName: 'nope' }), context: loadContext() }))
  expect(statusOf(unknown)).toBe(404)
})

test('a server behind an API key: its resources need the header; a server without resources or prompts says so', async () => {
  const keyedId = await addServer('Keyed', keyed.url, 'headers')
  const before = dataOf(await resourcesLoader({ request: getRequest(`${base(keyedId)}/resources`, account.cookie), params: params(keyedId), context: loadContext() })) as {
    failure: { action: string } | null
  }
  expect(before.failure?.action).toBe('fix_headers')

  const server = await getDb().mcpServer.findUniqueOrThrow({ where: { id: keyedId } })
  const { setServerHeader } = await import('#app/models/server-headers.server.ts')
  const { requireServer } = await import('#app/models/server.server.ts')
  await setServerHeader(await requireServer(server.workspaceId, server.id), API_KEY_HEADER, API_KEY)
  const after = dataOf(await resourcesLoader({ request: getRequest(`${base(keyedId)}/resources`, account.cookie), params: params(keyedId), context: loadContext() })) as {
    listing: { resources: unknown[] }
  }
  expect(after.listing.resources).toHaveLength(2)

  const bareId = await addServer('Tools only', toolsOnly.url, 'none')
  const resources = dataOf(await resourcesLoader({ request: getRequest(`${base(bareId)}/resources`, account.cookie), params: params(bareId), context: loadContext() })) as {
    listing: { supported: boolean }
  }
  const prompts = dataOf(await promptsLoader({ request: getRequest(`${base(bareId)}/prompts`, account.cookie), params: params(bareId), context: loadContext() })) as {
    listing: { supported: boolean }
  }
  expect([resources.listing.supported, prompts.listing.supported]).toEqual([false, false])
})

test('someone outside the workspace gets nothing', async () => {
  const outsider = await createTestAccount('Outsider')
  const refused = await settle(() => resourcesLoader({ request: getRequest(`${base(openId)}/resources`, outsider.cookie), params: params(openId), context: loadContext() }))
  expect([403, 404]).toContain(statusOf(refused))
  const refusedPrompt = await settle(() =>
    promptAction({ request: formRequest(`${base(openId)}/prompts/greeting`, {}, outsider.cookie), params: params(openId, { promptName: 'greeting' }), context: loadContext() }),
  )
  expect([403, 404]).toContain(statusOf(refusedPrompt))
})
