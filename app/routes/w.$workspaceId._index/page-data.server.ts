// The Overview's loader data: where a person starts in a workspace. Each server with its status,
// tool count and recent health, and how many people share the workspace. Three statements in all,
// whatever the number of servers: the servers (one plain SQL statement, like the server list's),
// their health (models/tool-call-log.server.ts, one), the member count (one).
import { z } from 'zod'
import { ProbeOutcome, ServerAuthType } from '#app/generated/prisma-sqlite/enums.ts'
import { recentServerHealth } from '#app/models/tool-call-log.server.ts'
import { SHARED_OWNER } from '#app/oauth/store/connections.server.ts'
import { SqlBoolean, SqlInteger, getDb } from '#app/utils/db.server.ts'

const RowSchema = z.object({
  id: z.string(),
  name: z.string(),
  authType: z.enum(ServerAuthType),
  enabled: SqlBoolean,
  configVersion: SqlInteger,
  probeOutcome: z.enum(ProbeOutcome).nullable(),
  toolCount: SqlInteger.nullable(),
  shared: SqlBoolean.nullable(),
  ownStatus: z.string().nullable(),
  ownVersion: SqlInteger.nullable(),
  sharedStatus: z.string().nullable(),
  sharedVersion: SqlInteger.nullable(),
})

/** An OAuth server's sign-in as this person sees it (the server list's words). */
export type OverviewConnection = 'connected' | 'reconnect' | 'not_connected'

// NOTE: the status shown is the probe's and, for OAuth, this person's (or the shared) sign-in,
// as on the server list. When the one status derivation per person and server lands, it
// replaces `probeOutcome` + `connection` here (one field, same statement).
async function overviewServers(workspaceId: string, userId: string) {
  const rows = await getDb().$queryRaw<unknown[]>`
    SELECT s."id", s."name", s."authType", s."enabled", s."configVersion",
           p."outcome" AS "probeOutcome", p."toolCount" AS "toolCount", c."shared" AS "shared",
           own."status" AS "ownStatus", own."configVersion" AS "ownVersion",
           sh."status" AS "sharedStatus", sh."configVersion" AS "sharedVersion"
    FROM "McpServer" s
    LEFT JOIN "ServerProbe" p ON p."serverId" = s."id"
    LEFT JOIN "ServerOAuthClient" c ON c."serverId" = s."id"
    LEFT JOIN "OAuthConnection" own ON own."serverId" = s."id" AND own."ownerKey" = ${userId}
    LEFT JOIN "OAuthConnection" sh ON sh."serverId" = s."id" AND sh."ownerKey" = ${SHARED_OWNER}
    WHERE s."workspaceId" = ${workspaceId}
    ORDER BY s."name" ASC`
  return rows.map((raw) => {
    const row = RowSchema.parse(raw)
    const shared = row.shared ?? false
    const status = shared ? row.sharedStatus : row.ownStatus
    const version = shared ? row.sharedVersion : row.ownVersion
    const connection: OverviewConnection | null =
      row.authType !== 'oauth'
        ? null
        : status === null
          ? 'not_connected'
          : status === 'connected' && version === row.configVersion
            ? 'connected'
            : 'reconnect'
    return {
      id: row.id,
      name: row.name,
      enabled: row.enabled,
      probeOutcome: row.probeOutcome,
      toolCount: row.toolCount,
      connection,
      shared,
    }
  })
}

/** The Overview of `workspaceId` (whose membership the loader has checked) for `userId`. */
export async function overviewData(workspaceId: string, userId: string) {
  const [servers, health, memberCount] = await Promise.all([
    overviewServers(workspaceId, userId),
    recentServerHealth(workspaceId),
    getDb().membership.count({ where: { workspaceId } }),
  ])
  return { servers: servers.map((server) => ({ ...server, health: health[server.id] ?? [] })), memberCount }
}
