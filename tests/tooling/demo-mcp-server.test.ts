import net from 'node:net'
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { type Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { CallToolResultSchema, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, expect, onTestFinished, test, vi } from 'vitest'
import { startDemoMcpServer, type DemoMcpServer, type DemoMcpServerOptions } from '#scripts/demo/mcp-server.ts'
import { DEFAULT_DEMO_API_KEY, startDemoServers } from '#scripts/demo/start.ts'

// Real HTTP on 127.0.0.1, driven by the SDK's own client transports.

const toolNames = [
  'add',
  'beep',
  'color_swatch',
  'create_ticket',
  'echo',
  'fail',
  'get_document',
  'slow',
  'tag_stats',
]

let shared: DemoMcpServer
beforeAll(async () => {
  shared = await startDemoMcpServer()
})
afterAll(async () => {
  await shared?.close()
})

async function startServer(options: DemoMcpServerOptions = {}) {
  const server = await startDemoMcpServer(options)
  onTestFinished(() => server.close())
  return server
}

async function connect(transport: Transport) {
  const client = new Client({ name: 'demo-mcp-server-test', version: '1.0.0' })
  await client.connect(transport)
  onTestFinished(() => client.close())
  return client
}

function connectStreamable(url: string, headers: Record<string, string> = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } })
  return connect(transport).then((client) => ({ client, transport }))
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  return CallToolResultSchema.parse(await client.callTool({ name, arguments: args }))
}

const initializeBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
})
const mcpHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }

/** Splits a PNG into chunks, checking each chunk's CRC against node's own CRC-32. */
function pngChunks(png: Buffer) {
  const chunks: Array<{ type: string; data: Buffer }> = []
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset)
    const typeAndData = png.subarray(offset + 4, offset + 8 + length)
    expect(png.readUInt32BE(offset + 8 + length)).toBe(zlibCrc32(typeAndData))
    chunks.push({ type: typeAndData.subarray(0, 4).toString('latin1'), data: typeAndData.subarray(4) })
    offset += 12 + length
  }
  return chunks
}

test('initialize and tools/list show every demo tool with a title, a description and schemas', async () => {
  const server = await startServer()
  const { client } = await connectStreamable(server.url)
  expect(client.getServerVersion()).toMatchObject({ name: 'switchboard-demo', version: expect.any(String) })

  const { tools } = await client.listTools()
  expect(tools.map((tool) => tool.name).sort()).toEqual(toolNames)
  for (const tool of tools) {
    expect(tool.title, tool.name).toEqual(expect.any(String))
    expect(tool.description?.length, tool.name).toBeGreaterThan(10)
    expect(tool.inputSchema.type).toBe('object')
    expect(tool.annotations, tool.name).toBeDefined()
  }
  const byName = new Map(tools.map((tool) => [tool.name, tool]))
  expect(byName.get('add')?.outputSchema?.properties).toHaveProperty('sum')
  expect(byName.get('tag_stats')?.outputSchema).toBeDefined()
  expect(byName.get('echo')?.inputSchema.required).toEqual(['message'])
  expect(byName.get('color_swatch')?.inputSchema.properties).toMatchObject({
    color: { type: 'string', enum: ['red', 'green', 'blue'] },
    size: { type: 'integer', minimum: 1, maximum: 64, default: 16 },
  })

  const ticket = byName.get('create_ticket')
  expect(ticket?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false })
  expect(ticket?.inputSchema.required).toEqual(['title', 'labels'])
  expect(ticket?.inputSchema.properties).toMatchObject({
    title: { type: 'string', minLength: 3, maxLength: 80 },
    priority: { enum: ['low', 'medium', 'high'], default: 'medium' },
    labels: { type: 'array', items: { type: 'string' } },
    dueDate: { type: 'string', format: 'date' },
    metadata: { type: 'object', properties: { reporter: { type: 'object' } } },
  })

  expect(server.stats).toMatchObject({ initializeCount: 1, sessionsOpen: 1, toolCalls: 0 })
  expect(server.stats.lastHeaders['mcp-session-id']).toEqual(expect.any(String))
})

test('echo returns the message as text, upper-cased on request', async () => {
  const { client } = await connectStreamable(shared.url)
  expect((await call(client, 'echo', { message: 'Hello' })).content).toEqual([{ type: 'text', text: 'Hello' }])
  expect((await call(client, 'echo', { message: 'Hello', uppercase: true })).content).toEqual([
    { type: 'text', text: 'HELLO' },
  ])
})

test('add and tag_stats return text plus structured content that matches their output schemas', async () => {
  const { client } = await connectStreamable(shared.url)
  const { tools } = await client.listTools()
  const ajv = new Ajv({ strict: false })
  const validatorFor = (name: string) => ajv.compile(tools.find((tool) => tool.name === name)?.outputSchema ?? {})

  const added = await call(client, 'add', { a: 2, b: 3.5 })
  expect(added.content).toEqual([{ type: 'text', text: '2 + 3.5 = 5.5' }])
  expect(added.structuredContent).toEqual({ sum: 5.5 })
  expect(validatorFor('add')(added.structuredContent)).toBe(true)

  const stats = await call(client, 'tag_stats', { tags: ['b', 'a', 'b'], weights: [1, 5, 2] })
  expect(stats.isError).toBeFalsy()
  expect(stats.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('3 tag(s), 2 distinct') })
  expect(stats.structuredContent).toEqual({
    total: 3,
    distinct: 2,
    totalWeight: 8,
    tags: [
      { tag: 'a', count: 1, weight: 5 },
      { tag: 'b', count: 2, weight: 3 },
    ],
  })
  expect(validatorFor('tag_stats')(stats.structuredContent)).toBe(true)

  const mismatched = await call(client, 'tag_stats', { tags: ['a', 'b'], weights: [1] })
  expect(mismatched.isError).toBe(true)
  expect(mismatched.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('one weight per tag') })
})

test('color_swatch returns a real PNG of the chosen colour and size', async () => {
  const { client } = await connectStreamable(shared.url)
  const result = await call(client, 'color_swatch', { color: 'blue', size: 5 })
  const [image, ...rest] = result.content
  expect(rest).toEqual([])
  if (image?.type !== 'image') throw new Error(`expected an image, got ${image?.type}`)
  expect(image.mimeType).toBe('image/png')
  const png = Buffer.from(image.data, 'base64')
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

  const chunks = pngChunks(png)
  expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
  const header = chunks[0]?.data ?? Buffer.alloc(0)
  expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([5, 5, 8, 2])
  const pixels = inflateSync(chunks[1]?.data ?? Buffer.alloc(0))
  expect(pixels).toHaveLength(5 * (1 + 5 * 3))
  expect([...pixels.subarray(0, 4)]).toEqual([0, 37, 99, 235]) // filter byte, then the blue RGB
  expect([...pixels.subarray(-3)]).toEqual([37, 99, 235])

  const defaultSize = await call(client, 'color_swatch', { color: 'red' })
  if (defaultSize.content[0]?.type !== 'image') throw new Error('expected an image')
  expect(Buffer.from(defaultSize.content[0].data, 'base64').readUInt32BE(16)).toBe(16)
})

test('beep returns a real 8 kHz mono PCM WAV of the chosen length', async () => {
  const { client } = await connectStreamable(shared.url)
  const result = await call(client, 'beep', { durationMs: 250, frequencyHz: 880 })
  const [audio] = result.content
  if (audio?.type !== 'audio') throw new Error(`expected audio, got ${audio?.type}`)
  expect(audio.mimeType).toBe('audio/wav')
  const wav = Buffer.from(audio.data, 'base64')
  expect(wav.toString('latin1', 0, 4)).toBe('RIFF')
  expect(wav.readUInt32LE(4)).toBe(wav.length - 8)
  expect(wav.toString('latin1', 8, 16)).toBe('WAVEfmt ')
  expect(wav.readUInt16LE(20)).toBe(1) // PCM
  expect(wav.readUInt16LE(22)).toBe(1) // mono
  expect(wav.readUInt32LE(24)).toBe(8000)
  expect(wav.readUInt16LE(34)).toBe(16)
  expect(wav.toString('latin1', 36, 40)).toBe('data')
  expect(wav.readUInt32LE(40)).toBe(250 * 8 * 2)
  const samples = Array.from({ length: 2000 }, (_, i) => Math.abs(wav.readInt16LE(44 + i * 2)))
  expect(Math.max(...samples)).toBeGreaterThan(5000) // a tone, not silence
})

test('get_document embeds the markdown and links to a resource that resources/read serves', async () => {
  const { client } = await connectStreamable(shared.url)
  const result = await call(client, 'get_document', { name: 'changelog' })
  const [embedded, link] = result.content
  if (embedded?.type !== 'resource' || link?.type !== 'resource_link') throw new Error('unexpected content types')
  if (!('text' in embedded.resource)) throw new Error('expected a text resource')
  expect(embedded.resource).toMatchObject({ mimeType: 'text/markdown', text: expect.stringContaining('# Changelog') })
  expect(link).toMatchObject({ uri: embedded.resource.uri, mimeType: 'text/markdown', name: 'changelog' })

  const read = await client.readResource({ uri: link.uri })
  expect(read.contents).toEqual([{ uri: link.uri, mimeType: 'text/markdown', text: embedded.resource.text }])
  const { resources } = await client.listResources()
  expect(resources.map((resource) => resource.uri).sort()).toEqual([
    'demo://docs/changelog.md',
    'demo://docs/readme.md',
  ])
})

test('fail returns isError with a text explanation', async () => {
  const { client } = await connectStreamable(shared.url)
  const result = await call(client, 'fail', { reason: 'testing' })
  expect(result.isError).toBe(true)
  expect(result.content).toEqual([{ type: 'text', text: 'The fail tool failed on purpose: testing.' }])
})

test('create_ticket accepts nested metadata and rejects a too-short title', async () => {
  const server = await startServer()
  const { client } = await connectStreamable(server.url)
  const created = await call(client, 'create_ticket', {
    title: 'Printer on fire',
    priority: 'high',
    labels: ['hardware'],
    dueDate: '2030-01-31',
    metadata: { reporter: { name: 'Ada', email: 'ada@example.com' }, source: 'email' },
  })
  expect(created.isError).toBeFalsy()
  expect(created.content).toEqual([
    {
      type: 'text',
      text: 'Created ticket DEMO-1 “Printer on fire” (priority high; labels hardware; due 2030-01-31; reported by Ada via email).',
    },
  ])
  const second = await call(client, 'create_ticket', { title: 'Another', labels: [] })
  expect(second.content[0]).toMatchObject({ text: expect.stringContaining('DEMO-2') })
  expect(second.content[0]).toMatchObject({ text: expect.stringContaining('priority medium') })

  for (const args of [
    { title: 'No', labels: [] },
    { title: 'Bad date', labels: [], dueDate: '2030-02-30' },
    { title: 'Bad metadata', labels: [], metadata: { reporter: {} } },
  ]) {
    const rejected = await call(client, 'create_ticket', args)
    expect(rejected.isError, JSON.stringify(args)).toBe(true)
  }
  expect(server.stats.toolCalls).toBe(5)
})

test('slow answers after the wait and reports progress when asked', async () => {
  const { client } = await connectStreamable(shared.url)
  const onprogress = vi.fn()
  const result = await client.callTool({ name: 'slow', arguments: { ms: 1100 } }, undefined, { onprogress })
  expect(CallToolResultSchema.parse(result).content).toEqual([{ type: 'text', text: 'Waited 1100 ms.' }])
  expect(onprogress).toHaveBeenCalledWith(expect.objectContaining({ progress: 1000, total: 1100 }))
})

test('aborting a slow call cancels it on the server', async () => {
  const server = await startServer()
  const { client } = await connectStreamable(server.url)
  const controller = new AbortController()
  const started = Date.now()
  const pending = client.callTool({ name: 'slow', arguments: { ms: 60_000 } }, undefined, {
    signal: controller.signal,
  })
  await vi.waitFor(() => expect(server.stats.toolCalls).toBe(1))
  controller.abort('changed my mind')
  await expect(pending).rejects.toThrow()
  await vi.waitFor(() => expect(server.stats.toolCallsCancelled).toBe(1))
  expect(Date.now() - started).toBeLessThan(5000)
  // The session is still usable afterwards.
  expect((await call(client, 'echo', { message: 'still here' })).content).toEqual([
    { type: 'text', text: 'still here' },
  ])
})

test('with an API key, a missing or wrong X-Api-Key gets 401 without a Bearer challenge', async () => {
  const server = await startServer({ apiKey: 'sesame-123' })
  const refusedHeaders: Array<Record<string, string>> = [
    {},
    { 'X-Api-Key': 'wrong' },
    { 'X-Api-Key': 'sesame-1234' },
    { Authorization: 'Bearer sesame-123' },
  ]
  for (const headers of refusedHeaders) {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { ...mcpHeaders, ...headers },
      body: initializeBody,
    })
    expect(response.status, JSON.stringify(headers)).toBe(401)
    expect(response.headers.get('www-authenticate')).toBeNull()
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toMatchObject({
      error: 'invalid_api_key',
      message: expect.stringContaining('X-Api-Key'),
    })
  }
  // Every route is behind the key, the SSE one too.
  expect((await fetch(server.sseUrl ?? '')).status).toBe(401)

  const refused = connectStreamable(server.url, { 'X-Api-Key': 'wrong' })
  await expect(refused).rejects.toBeInstanceOf(StreamableHTTPError)
  await expect(refused).rejects.toMatchObject({ code: 401 })
  expect(server.stats.initializeCount).toBe(0)

  const { client } = await connectStreamable(server.url, { 'X-Api-Key': 'sesame-123' })
  expect((await call(client, 'echo', { message: 'in' })).content).toEqual([{ type: 'text', text: 'in' }])
  expect(server.stats.lastHeaders['x-api-key']).toBe('sesame-123')

  const sseClient = await connect(
    new SSEClientTransport(new URL(server.sseUrl ?? ''), { requestInit: { headers: { 'X-Api-Key': 'sesame-123' } } }),
  )
  expect((await call(sseClient, 'echo', { message: 'sse' })).content).toEqual([{ type: 'text', text: 'sse' }])
})

test('an sse-only server works over HTTP+SSE and answers Streamable HTTP POSTs with 4xx, so clients fall back', async () => {
  const server = await startServer({ transport: 'sse' })
  expect(server.url).toBe(server.sseUrl)
  expect(new URL(server.url).pathname).toBe('/sse')

  // The spec's fallback: POST an initialize to the server URL; on 4xx, GET it as an SSE endpoint.
  const post = await fetch(server.url, { method: 'POST', headers: mcpHeaders, body: initializeBody })
  expect(post.status).toBe(405)
  const streamablePath = new URL('/mcp', server.url)
  expect((await fetch(streamablePath, { method: 'POST', headers: mcpHeaders, body: initializeBody })).status).toBe(404)
  await expect(connectStreamable(server.url)).rejects.toMatchObject({ code: 405 })

  const client = await connect(new SSEClientTransport(new URL(server.url)))
  expect(client.getServerVersion()?.name).toBe('switchboard-demo')
  expect((await call(client, 'add', { a: 1, b: 2 })).structuredContent).toEqual({ sum: 3 })
  expect(server.stats).toMatchObject({ initializeCount: 1, sessionsOpen: 1 })
})

test('the default server speaks both transports; streamable-http only has no SSE routes', async () => {
  const client = await connect(new SSEClientTransport(new URL(shared.sseUrl ?? '')))
  expect((await call(client, 'echo', { message: 'old' })).content).toEqual([{ type: 'text', text: 'old' }])

  const streamableOnly = await startServer({ transport: 'streamable-http', path: '/custom/mcp' })
  expect(streamableOnly.sseUrl).toBeUndefined()
  expect(new URL(streamableOnly.url).pathname).toBe('/custom/mcp')
  expect((await fetch(new URL('/sse', streamableOnly.url))).status).toBe(404)
  const { client: streamableClient } = await connectStreamable(streamableOnly.url)
  expect((await call(streamableClient, 'echo', { message: 'new' })).content).toEqual([{ type: 'text', text: 'new' }])
})

test('sessions: unknown ids get 404, DELETE ends a session, dropSessions() forgets them all', async () => {
  const server = await startServer()
  const unknown = await fetch(server.url, {
    method: 'POST',
    headers: { ...mcpHeaders, 'Mcp-Session-Id': 'not-a-session' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  })
  expect(unknown.status).toBe(404)
  const noSession = await fetch(server.url, {
    method: 'POST',
    headers: mcpHeaders,
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  })
  expect(noSession.status).toBe(400)

  const ended = await connectStreamable(server.url)
  const endedId = ended.transport.sessionId ?? ''
  await vi.waitFor(() => expect(server.stats.sessionsOpen).toBe(1))
  await ended.transport.terminateSession()
  await vi.waitFor(() => expect(server.stats.sessionsOpen).toBe(0))
  const afterDelete = await fetch(server.url, {
    method: 'POST',
    headers: { ...mcpHeaders, 'Mcp-Session-Id': endedId },
    body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
  })
  expect(afterDelete.status).toBe(404)

  const { client, transport } = await connectStreamable(server.url)
  const sseClient = await connect(new SSEClientTransport(new URL(server.sseUrl ?? '')))
  await vi.waitFor(() => expect(server.stats.sessionsOpen).toBe(2))
  const oldId = transport.sessionId ?? ''
  expect(oldId).not.toBe('')
  server.dropSessions()
  expect(server.stats.sessionsOpen).toBe(0)
  const afterDrop = await fetch(server.url, {
    method: 'POST',
    headers: { ...mcpHeaders, 'Mcp-Session-Id': oldId },
    body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list' }),
  })
  expect(afterDrop.status).toBe(404)
  expect(await afterDrop.json()).toMatchObject({ error: { code: -32001 } })
  await expect(client.listTools()).rejects.toMatchObject({ code: 404 })
  await expect(sseClient.listTools()).rejects.toThrow()

  // A fresh initialize starts a new session.
  const { client: fresh } = await connectStreamable(server.url)
  expect((await call(fresh, 'echo', { message: 'again' })).content).toEqual([{ type: 'text', text: 'again' }])
})

test('a request naming another host is refused (DNS rebinding protection)', async () => {
  const port = new URL(shared.url).port
  const status = await new Promise<number>((resolve, reject) => {
    // fetch() does not let a caller set Host, so speak HTTP/1.1 by hand.
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.end(`GET /mcp HTTP/1.1\r\nHost: attacker.example:${port}\r\nConnection: close\r\n\r\n`)
    })
    let reply = ''
    socket.on('data', (chunk) => (reply += String(chunk)))
    socket.on('end', () => resolve(Number(reply.split(' ')[1])))
    socket.on('error', reject)
  })
  expect(status).toBe(403)
  expect((await fetch(shared.url.replace('127.0.0.1', 'localhost'), { method: 'DELETE' })).status).toBe(400)
})

test('close() ends open sessions and frees the port', async () => {
  const server = await startDemoMcpServer()
  const port = Number(new URL(server.url).port)
  await expect(startDemoMcpServer({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
  const { client } = await connectStreamable(server.url)
  await connect(new SSEClientTransport(new URL(server.sseUrl ?? '')))
  await server.close()
  await server.close() // twice is fine
  await expect(client.listTools()).rejects.toThrow()

  const again = await startDemoMcpServer({ port })
  expect(again.url).toBe(server.url)
  await again.close()
})

test('startDemoServers starts the open and the API-key server and prints only the documented key', async () => {
  const servers = await startDemoServers({ port: 0, keyPort: 0 })
  onTestFinished(() => servers.close())
  expect(servers.apiKey).toBe(DEFAULT_DEMO_API_KEY)
  const [openLine, keyLine] = servers.describe()
  expect(openLine).toContain(servers.open.url)
  expect(keyLine).toContain(servers.withKey.url)
  expect(keyLine).toContain(`X-Api-Key: ${DEFAULT_DEMO_API_KEY}`)
  const { client } = await connectStreamable(servers.withKey.url, { 'X-Api-Key': DEFAULT_DEMO_API_KEY })
  expect((await call(client, 'echo', { message: 'key' })).content).toEqual([{ type: 'text', text: 'key' }])
  expect((await fetch(servers.withKey.url, { method: 'POST' })).status).toBe(401)

  const custom = await startDemoServers({ port: 0, keyPort: 0, apiKey: 'my-own-key' })
  onTestFinished(() => custom.close())
  expect(custom.describe().join('\n')).not.toContain('my-own-key')
  expect(custom.describe()[1]).toContain('X-Api-Key: <value of DEMO_MCP_API_KEY>')
})
