// The floor of gateway_call_overhead_ratio (ADR 037): the least any MCP gateway on this SDK can add to a call. A
// bare relay in its own process: the v2 server package in front (createMcpHandler, a fresh low-level Server per
// request, as Switchboard's endpoint), one warm SDK client per upstream behind it, on the runtime's fetch. No bearer
// check, no rate limit, no database, no guarded fetch, no audit row: only the second MCP exchange.
// Run as a process: FLOOR_UPSTREAMS is a JSON object of tool-name prefix → upstream URL; prints its URL when ready.
import { spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { type CallToolResult, Server, createMcpHandler } from '@modelcontextprotocol/server'

const READY = 'floor relay at '

async function serve(upstreams: Record<string, string>): Promise<string> {
  const clients = new Map<string, Client>()
  for (const [prefix, url] of Object.entries(upstreams)) {
    const client = new Client({ name: 'floor relay', version: '1' }, { versionNegotiation: { mode: 'auto' } })
    await client.connect(new StreamableHTTPClientTransport(new URL(url)))
    clients.set(prefix, client)
  }
  const handler = createMcpHandler(
    () => {
      const server = new Server({ name: 'floor relay', version: '1' }, { capabilities: { tools: {} } })
      server.setRequestHandler('tools/list', async () => ({ tools: [] }))
      server.setRequestHandler('tools/call', async (request) => {
        const [prefix = '', ...rest] = request.params.name.split('_')
        const client = clients.get(prefix)
        if (!client) return { content: [{ type: 'text', text: `no upstream for ${request.params.name}` }], isError: true }
        return (await client.callTool({ name: rest.join('_'), arguments: request.params.arguments ?? {} })) as CallToolResult
      })
      return server
    },
    { legacy: 'stateless' },
  )
  // Not tests/servers/peer-http.ts's serveWithWebHandler: that one streams each chunk as it comes, and the floor must
  // answer as the gateway does (a JSON answer in one write), or it would cost more than the least a gateway pays.
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
      const body = req.method === 'POST' ? Buffer.concat(chunks) : null
      const response = await handler.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method, headers, body }))
      res.statusCode = response.status
      response.headers.forEach((value, name) => res.setHeader(name, value))
      res.end(Buffer.from(await response.arrayBuffer()))
    })().catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`
}

/** Starts the relay in a process of its own (as the app runs in its own); its URL and how to stop it. */
export async function startFloorRelay(upstreams: Record<string, string>): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/floor-relay.ts'], {
    env: { ...process.env, FLOOR_UPSTREAMS: JSON.stringify(upstreams) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the floor relay exited with ${code}`)))
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const line = output.split('\n').find((text) => text.startsWith(READY))
      if (line) resolve(line.slice(READY.length).trim())
    })
  })
  return { url, stop: () => child.kill('SIGTERM') }
}

if (process.env.FLOOR_UPSTREAMS && process.argv[1]?.endsWith('floor-relay.ts')) {
  const url = await serve(JSON.parse(process.env.FLOOR_UPSTREAMS) as Record<string, string>)
  process.stdout.write(`${READY}${url}\n`)
}
