// The server list's loader data: the workspace's servers as the table shows them, with the signed-in person's
// OAuth status. Two statements for the whole table, and only the columns it shows.
import { listServerRows } from '#app/models/server.server.ts'
import { SHARED_OWNER, ownerKeyFor } from '#app/oauth/store/connections.server.ts'
import { getDb } from '#app/utils/db.server.ts'

export type ConnectionBadge = 'connected' | 'reconnect' | 'not_connected'

/** The rows of the server list of `workspaceId` (whose membership the loader has checked) for `userId`. */
export async function serverListRows(workspaceId: string, userId: string) {
  const servers = await listServerRows(workspaceId)
  const oauthIds = servers.filter((s) => s.authType === 'oauth').map((s) => s.id)
  // The person's own connections and the shared ones, for this workspace's servers only; no token columns.
  const connections =
    oauthIds.length === 0
      ? []
      : await getDb().oAuthConnection.findMany({
          where: { serverId: { in: oauthIds }, ownerKey: { in: [userId, SHARED_OWNER] } },
          select: { serverId: true, ownerKey: true, status: true, configVersion: true },
        })
  const statusOf = new Map(connections.map((c) => [`${c.serverId}\n${c.ownerKey}`, c]))
  return servers.map((s) => ({
    id: s.id,
    name: s.name,
    url: s.url,
    authType: s.authType,
    enabled: s.enabled,
    probeOutcome: s.probeOutcome,
    oauth:
      s.authType === 'oauth'
        ? { shared: s.oauthShared, status: badgeOf(statusOf.get(`${s.id}\n${ownerKeyFor(userId, s.oauthShared)}`), s.configVersion) }
        : null,
  }))
}

function badgeOf(connection: { status: string; configVersion: number } | undefined, configVersion: number): ConnectionBadge {
  if (!connection) return 'not_connected'
  // A connection made for an older configuration (URL, auth settings) no longer serves: Reconnect.
  return connection.status === 'connected' && connection.configVersion === configVersion ? 'connected' : 'reconnect'
}
