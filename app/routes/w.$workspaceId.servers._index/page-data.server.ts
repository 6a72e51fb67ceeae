// The server list's loader data: the workspace's servers as the table shows them, with the signed-in person's
// OAuth status. ONE statement for the whole table (the list is the workspace's most visited page): each Prisma
// call costs a query plan and a statement per relation, which made this page a third as fast as /login
// (bench/RESULTS.md, 2026-12-05). Plain SQL that both databases read the same way: quoted identifiers, LEFT JOINs,
// bound parameters; booleans are normalized below (SQLite answers 0/1).
import { z } from 'zod'
import { ServerAuthType, ProbeOutcome } from '#app/generated/prisma-sqlite/enums.ts'
import { SHARED_OWNER } from '#app/oauth/store/connections.server.ts'
import { SqlBoolean, SqlInteger, getDb } from '#app/utils/db.server.ts'

export type ConnectionBadge = 'connected' | 'reconnect' | 'not_connected'

const RowSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  authType: z.enum(ServerAuthType),
  enabled: SqlBoolean,
  configVersion: SqlInteger,
  probeOutcome: z.enum(ProbeOutcome).nullable(),
  shared: SqlBoolean.nullable(),
  ownStatus: z.string().nullable(),
  ownVersion: SqlInteger.nullable(),
  sharedStatus: z.string().nullable(),
  sharedVersion: SqlInteger.nullable(),
})

/** The rows of the server list of `workspaceId` (whose membership the loader has checked) for `userId`. */
export async function serverListRows(workspaceId: string, userId: string) {
  // The person's own connection and the shared one, never anyone else's; no token columns.
  const rows = await getDb().$queryRaw<unknown[]>`
    SELECT s."id", s."name", s."url", s."authType", s."enabled", s."configVersion",
           p."outcome" AS "probeOutcome", c."shared" AS "shared",
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
    const connection = shared
      ? row.sharedStatus === null ? undefined : { status: row.sharedStatus, configVersion: row.sharedVersion ?? 0 }
      : row.ownStatus === null ? undefined : { status: row.ownStatus, configVersion: row.ownVersion ?? 0 }
    return {
      id: row.id,
      name: row.name,
      url: row.url,
      authType: row.authType,
      enabled: row.enabled,
      probeOutcome: row.probeOutcome,
      oauth: row.authType === 'oauth' ? { shared, status: badgeOf(connection, row.configVersion) } : null,
    }
  })
}

function badgeOf(connection: { status: string; configVersion: number } | undefined, configVersion: number): ConnectionBadge {
  if (!connection) return 'not_connected'
  // A connection made for an older configuration (URL, auth settings) no longer serves: Reconnect.
  return connection.status === 'connected' && connection.configVersion === configVersion ? 'connected' : 'reconnect'
}
