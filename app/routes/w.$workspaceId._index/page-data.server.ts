// The Overview's loader data: where a person starts in a workspace. Each server with its one
// status for this person (models/server-status.server.ts, the words of the server list and the
// server page), its tool count and recent health, and how many people share the workspace. Three
// statements in all, whatever the number of servers (the third also counts the servers offered to agents, for
// "Use your workspace from an agent").
import { endpointUrl } from '#app/gateway/target.ts'
import { deriveAgentPrefix } from '#app/models/agent-prefix.ts'
import { listServersWithStatus } from '#app/models/server-status.server.ts'
import { recentServerHealth } from '#app/models/tool-call-log.server.ts'
import { z } from 'zod'
import { SqlInteger, getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

/** The Overview of `workspaceId` (whose membership the loader has checked) for `userId`. */
export async function overviewData(workspace: { id: string; name: string }, userId: string) {
  const workspaceId = workspace.id
  const [servers, health, counts] = await Promise.all([
    listServersWithStatus(workspaceId, userId),
    recentServerHealth(workspaceId),
    countMembersAndOffered(workspaceId),
  ])
  const slug = deriveAgentPrefix(workspace.name)
  return {
    agent: {
      endpoint: endpointUrl(getEnv().PUBLIC_URL, { workspaceId, serverId: null }),
      // The name the app's configuration gives the endpoint: the workspace's, as a command-line word.
      name: slug === 'server' ? 'switchboard' : slug,
      offered: counts.offered,
      total: servers.length,
    },
    servers: servers.map((server) => ({
      id: server.id,
      name: server.name,
      status: server.status,
      toolCount: server.probeToolCount,
      health: health[server.id] ?? [],
    })),
    memberCount: counts.members,
  }
}

const CountsSchema = z.object({ members: SqlInteger, offered: SqlInteger })

/** How many people share the workspace and how many of its servers agents are offered: one statement. */
async function countMembersAndOffered(workspaceId: string) {
  const rows = await getDb().$queryRaw<unknown[]>`
    SELECT (SELECT COUNT(*) FROM "Membership" m WHERE m."workspaceId" = ${workspaceId}) AS "members",
           (SELECT COUNT(*) FROM "McpServer" s WHERE s."workspaceId" = ${workspaceId} AND s."availableToAgents") AS "offered"`
  return CountsSchema.parse(rows[0])
}
