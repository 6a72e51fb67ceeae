import http from 'node:http'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js'
import { closeServer, listenOnLoopback, reportPeerBug } from '#tests/servers/peer-http.ts'

// An MCP server (the SDK's own Server and Streamable HTTP transport, stateless, answering over
// SSE) whose tools return what a careless or hostile server can send:
// - `huge_result`: a 4.5 M-character text, an image and a binary resource of 6 M base64 characters each;
// - `deep_schema`: an input schema nested 3,000 levels deep, and a call result whose structured
//   content is nested 200,000 levels deep;
// - `deep_output_schema`: an output schema nested 3,000 levels deep (the SDK client compiles it
//   when it lists tools).
// NOTE: the SDK serialises messages with JSON.stringify, which overflows the stack a few thousand
// levels down, so the 200,000-level value goes out as a placeholder string that this server
// replaces in the response text. Everything else on the wire is the SDK's own.

export const HUGE_TEXT_CHARS = 4_500_000
export const HUGE_MEDIA_BASE64_CHARS = 6_000_000
export const DEEP_SCHEMA_LEVELS = 3_000
export const DEEP_CONTENT_LEVELS = 200_000
const PLACEHOLDER = '"__switchboard_test_deep_value__"'

export type HostileMcpServer = { url: string; stats: { toolCalls: number }; close(): Promise<void> }

/** `{ type: 'object', properties: { next: { not: { not: … } } } }`: `levels` levels of JSON nesting. */
export function deepInputSchema(levels: number): Tool['inputSchema'] {
  let schema: Record<string, unknown> = { type: 'string' }
  // properties → next → (levels - 3) × not: the whole value nests `levels` deep.
  for (let i = 0; i < levels - 3; i++) schema = { not: schema }
  return { type: 'object', properties: { next: schema } }
}

/** The JSON text of `{"a":{"a":…1…}}` nested `levels` deep, built as text (JSON.stringify would overflow). */
function deepJsonText(levels: number): string {
  return `${'{"a":'.repeat(levels - 1)}1${'}'.repeat(levels - 1)}`
}

const tools: Tool[] = [
  { name: 'huge_result', description: 'Returns far more than a page shows.', inputSchema: { type: 'object', properties: {} } },
  { name: 'deep_schema', description: 'Has a deeply nested input schema and result.', inputSchema: deepInputSchema(DEEP_SCHEMA_LEVELS) },
  {
    name: 'deep_output_schema',
    description: 'Has a deeply nested output schema.',
    inputSchema: { type: 'object', properties: {} },
    outputSchema: deepInputSchema(DEEP_SCHEMA_LEVELS),
  },
]

function createServer(stats: HostileMcpServer['stats']): Server {
  const server = new Server({ name: 'hostile-test-server', version: '1.0.0' }, { capabilities: { tools: {} } })
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }))
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    stats.toolCalls += 1
    if (request.params.name === 'huge_result') {
      const media = 'A'.repeat(HUGE_MEDIA_BASE64_CHARS)
      return {
        content: [
          { type: 'text', text: 'x'.repeat(HUGE_TEXT_CHARS) },
          { type: 'image', data: media, mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'file:///huge.bin', mimeType: 'application/octet-stream', blob: media } },
        ],
      }
    }
    if (request.params.name === 'deep_schema') {
      return { content: [{ type: 'text', text: 'Deep result' }], structuredContent: { deep: JSON.parse(PLACEHOLDER) } }
    }
    if (request.params.name === 'deep_output_schema') {
      return { content: [{ type: 'text', text: 'Output checked' }], structuredContent: { next: 'x' } }
    }
    return { content: [{ type: 'text', text: `Unknown tool ${request.params.name}` }], isError: true }
  })
  return server
}

/** Starts the server on 127.0.0.1 (MCP endpoint `/mcp`) and resolves once it listens. */
export async function startHostileMcpServer(): Promise<HostileMcpServer> {
  const stats = { toolCalls: 0 }
  let origin = ''
  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined })
        const server = createServer(stats)
        await server.connect(transport)
        const headers = new Headers()
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
        const body = chunks.length > 0 && req.method === 'POST' ? Buffer.concat(chunks) : undefined
        const response = await transport.handleRequest(new Request(`${origin}${req.url ?? '/'}`, { method: req.method, headers, body }))
        // A stateless POST's event stream ends after its answer, so the whole text can be read.
        const text = (await response.text()).replace(PLACEHOLDER, deepJsonText(DEEP_CONTENT_LEVELS))
        const outHeaders: Record<string, string> = {}
        response.headers.forEach((value, name) => {
          if (name !== 'content-length') outHeaders[name] = value
        })
        res.writeHead(response.status, outHeaders)
        res.end(text)
        await server.close()
      })().catch((error: unknown) => reportPeerBug('hostile MCP server', res, error))
    })
  })
  origin = await listenOnLoopback(httpServer)
  let closed: Promise<void> | null = null
  return { url: `${origin}/mcp`, stats, close: () => (closed ??= closeServer(httpServer)) }
}
