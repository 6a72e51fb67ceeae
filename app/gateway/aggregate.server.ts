import { Server } from '@modelcontextprotocol/server'
import type { AgentCaller } from '#app/gateway/caller.ts'
import type { EndpointContext } from '#app/gateway/endpoint.server.ts'

// PLACEHOLDER (issue 13 skeleton): the aggregated endpoint (every server's tools, prefixed) replaces this file.

/** The MCP server that answers one request at `/mcp/<workspace>` for `caller`. */
export async function createAggregateServer(_caller: AgentCaller, _context: EndpointContext): Promise<Server> {
  const server = new Server({ name: 'switchboard', version: '1' }, { capabilities: { tools: { listChanged: false } } })
  server.setRequestHandler('tools/list', async () => ({ tools: [] }))
  return server
}
