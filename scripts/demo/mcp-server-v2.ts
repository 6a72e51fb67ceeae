import http from 'node:http'
import { createMcpHandler } from '@modelcontextprotocol/server'
import { createDemoV2McpServer } from '#scripts/demo/tools-v2.ts'

// A demo MCP server on the v2 server package (`createMcpHandler`), speaking MCP 2026-07-28. With
// `legacy: 'reject'` (the default here) it refuses every 2025-era client, as servers built from the
// guides of popular auth libraries do; `stateless` serves those too.

export type DemoV2McpServerOptions = {
  /** Address to bind. Default `127.0.0.1`. */
  host?: string
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number
  /** How 2025-era requests are answered. Default `reject`. */
  legacy?: 'reject' | 'stateless'
}

export type DemoV2McpServer = {
  url: string
  /** Live counters: requests received, and the MCP-Protocol-Version header of the last one. */
  stats: { requestCount: number; toolCalls: number; lastProtocolVersionHeader: string | null }
  close(): Promise<void>
}

const MAX_BODY_BYTES = 4 * 1024 * 1024
const PATH = '/mcp'

/** Starts the server and resolves once it listens. Rejects when the port cannot be bound. */
export async function startDemoV2McpServer(options: DemoV2McpServerOptions = {}): Promise<DemoV2McpServer> {
  const host = options.host ?? '127.0.0.1'
  let tickets = 0
  const handler = createMcpHandler(() => createDemoV2McpServer({ nextTicketNumber: () => ++tickets }), { legacy: options.legacy ?? 'reject' })
  const stats: DemoV2McpServer['stats'] = { requestCount: 0, toolCalls: 0, lastProtocolVersionHeader: null }
  const server = http.createServer((req, res) => {
    stats.requestCount += 1
    stats.lastProtocolVersionHeader = req.headers['mcp-protocol-version']?.toString() ?? null
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })

  async function serve(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${host}`)
    if (url.pathname !== PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found')
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
      size += buffer.length
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end()
        return
      }
      chunks.push(buffer)
    }
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
    if (body?.includes('"tools/call"')) stats.toolCalls += 1
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value)
      else if (Array.isArray(value)) headers.set(name, value.join(', '))
    }
    const response = await handler.fetch(new Request(url, { method: req.method, headers, body }))
    res.statusCode = response.status
    response.headers.forEach((value, name) => res.setHeader(name, value))
    if (!response.body) {
      res.end()
      return
    }
    const reader = response.body.getReader()
    for (;;) {
      const chunk = await reader.read()
      if (chunk.done) break
      res.write(chunk.value)
    }
    res.end()
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('The demo server has no TCP address')
  let closing: Promise<void> | undefined
  return {
    url: `http://${host}:${address.port}${PATH}`,
    stats,
    close: () =>
      (closing ??= (async () => {
        await handler.close()
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      })()),
  }
}
