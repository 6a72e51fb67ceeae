// A server as an agent reaches it at the per-server endpoint /mcp/<workspace>/<server> (issue 13): the server's
// summary and whether an admin has made it available to agents (McpServer.availableToAgents).
import { type ServerSummary, requireServer } from '#app/models/server.server.ts'
import { getDb } from '#app/utils/db.server.ts'

export type AgentServer = { server: ServerSummary; availableToAgents: boolean }

/** The server `serverId` of `workspaceId` with its agent availability; null when the workspace has no such server. */
export async function findAgentServer(workspaceId: string, serverId: string): Promise<AgentServer | null> {
  const row = await getDb().mcpServer.findFirst({ where: { id: serverId, workspaceId }, select: { availableToAgents: true } })
  if (!row) return null
  try {
    return { server: await requireServer(workspaceId, serverId), availableToAgents: row.availableToAgents }
  } catch (error) {
    // Deleted between the two reads: as if it never was.
    if (error instanceof Response && error.status === 404) return null
    throw error
  }
}
