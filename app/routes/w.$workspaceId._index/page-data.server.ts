// The Overview's loader data: where a person starts in a workspace. Each server with its one
// status for this person (models/server-status.server.ts, the words of the server list and the
// server page), its tool count and recent health, and how many people share the workspace. Three
// statements in all, whatever the number of servers, and one for "Use your workspace from an agent".
import { endpointUrl } from '#app/gateway/target.ts'
import { listAgentAccess } from '#app/models/agent-access.server.ts'
import { deriveAgentPrefix } from '#app/models/agent-prefix.ts'
import { listServersWithStatus } from '#app/models/server-status.server.ts'
import { recentServerHealth } from '#app/models/tool-call-log.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

/** The Overview of `workspaceId` (whose membership the loader has checked) for `userId`. */
export async function overviewData(workspace: { id: string; name: string }, userId: string) {
  const workspaceId = workspace.id
  const [servers, health, memberCount, agentAccess] = await Promise.all([
    listServersWithStatus(workspaceId, userId),
    recentServerHealth(workspaceId),
    getDb().membership.count({ where: { workspaceId } }),
    listAgentAccess(workspaceId),
  ])
  const slug = deriveAgentPrefix(workspace.name)
  return {
    agent: {
      endpoint: endpointUrl(getEnv().PUBLIC_URL, { workspaceId, serverId: null }),
      // The name the app's configuration gives the endpoint: the workspace's, as a command-line word.
      name: slug === 'server' ? 'switchboard' : slug,
      offered: agentAccess.filter((access) => access.available).length,
      total: agentAccess.length,
    },
    servers: servers.map((server) => ({
      id: server.id,
      name: server.name,
      status: server.status,
      toolCount: server.probeToolCount,
      health: health[server.id] ?? [],
    })),
    memberCount,
  }
}
