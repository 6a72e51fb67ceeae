import { Server } from '@modelcontextprotocol/server'
import { callAgentTool } from '#app/gateway/call.server.ts'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { listAgentTools } from '#app/gateway/catalog.server.ts'
import { agentPeerFor } from '#app/gateway/peer.ts'
import type { EndpointContext } from '#app/gateway/endpoint.server.ts'
import { agentRequestStateCodec } from '#app/gateway/request-state.server.ts'

/**
 * The MCP server that answers one request at `/mcp/<workspace>` for `caller` (ADR 034): the tools of every server
 * of the workspace that is on and offered to agents, `<prefix>_<tool>`, called with the person's own connection.
 * A low-level Server: tools pass through as the upstream's raw JSON Schemas.
 */
export async function createAggregateServer(caller: AgentCaller, context: EndpointContext): Promise<Server> {
  const server = new Server(
    { name: 'switchboard', title: 'Switchboard', version: '1' },
    {
      capabilities: { tools: { listChanged: false } },
      instructions:
        'The tools of the MCP servers of a Switchboard workspace, named <server prefix>_<tool>, run with your own sign-ins. ' +
        'A tool named <prefix>_connect means you have not signed in to that server yet: call it to get the link.',
      requestState: { verify: agentRequestStateCodec('aggregate').verify },
    },
  )
  server.setRequestHandler('tools/list', async () => ({ tools: await listAgentTools(caller) }))
  server.setRequestHandler('tools/call', async (request, ctx) => callAgentTool(caller, agentPeerFor(context, ctx), request.params, ctx, context.afterAnswer))
  return server
}
