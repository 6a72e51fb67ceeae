// The Overview's loader data: where a person starts in a workspace. Each server with its one
// status for this person (models/server-status.server.ts, the words of the server list and the
// server page), its tool count and recent health, and how many people share the workspace. Three
// statements in all, whatever the number of servers.
import { listServersWithStatus } from '#app/models/server-status.server.ts'
import { recentServerHealth } from '#app/models/tool-call-log.server.ts'
import { getDb } from '#app/utils/db.server.ts'

/** The Overview of `workspaceId` (whose membership the loader has checked) for `userId`. */
export async function overviewData(workspaceId: string, userId: string) {
  const [servers, health, memberCount] = await Promise.all([
    listServersWithStatus(workspaceId, userId),
    recentServerHealth(workspaceId),
    getDb().membership.count({ where: { workspaceId } }),
  ])
  return {
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
