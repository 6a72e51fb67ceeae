import { Server } from '@modelcontextprotocol/server'
import type { AgentCaller } from '#app/gateway/caller.ts'
import type { EndpointContext } from '#app/gateway/endpoint.server.ts'

// PLACEHOLDER (issue 13 skeleton): the per-server pass-through replaces this file.

/** The MCP server that answers one request at `/mcp/<workspace>/<server>` for `caller`. */
export async function createPassthroughServer(_caller: AgentCaller, _context: EndpointContext): Promise<Server> {
  const server = new Server({ name: 'switchboard', version: '1' }, { capabilities: { tools: { listChanged: false } } })
  server.setRequestHandler('tools/list', async () => ({ tools: [] }))
  return server
}
