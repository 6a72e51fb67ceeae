// What the workspace MCP endpoint needs of each server beyond its summary: whether agents may use it and the
// prefix an admin chose (McpServer.availableToAgents / agentPrefix).
import { getDb } from '#app/utils/db.server.ts'

export type AgentServerSettings = { id: string; name: string; createdAt: Date; availableToAgents: boolean; agentPrefix: string | null }

/** Every server of the workspace with its agent settings (the prefix list needs them all, even those not offered). */
export function listAgentServerSettings(workspaceId: string): Promise<AgentServerSettings[]> {
  return getDb().mcpServer.findMany({
    where: { workspaceId },
    select: { id: true, name: true, createdAt: true, availableToAgents: true, agentPrefix: true },
  })
}
