// The server's authorization server (issuer) as recorded (ServerOAuthDiscovery.issuer), and the
// connections another issuer signed in. oauth/issuer.server.ts decides when it moved.
import { needsReauthData } from '#app/oauth/store/connections.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { updateServerIfPresent, upsertPart } from '#app/models/server.server.ts'

/** The issuer last found by discovery for a server; null before the first discovery. */
export async function readServerIssuer(serverId: string): Promise<string | null> {
  const row = await getDb().serverOAuthDiscovery.findUnique({ where: { serverId }, select: { issuer: true } })
  return row?.issuer ?? null
}

/** An issuer of the server's connections other than `issuer`, if any (servers connected before the issuer was recorded). */
export async function otherConnectionIssuer(serverId: string, issuer: string): Promise<string | null> {
  const row = await getDb().oAuthConnection.findFirst({ where: { serverId, issuer: { not: issuer } }, select: { issuer: true } })
  return row?.issuer ?? null
}

/** Records `to` as the server's issuer if it is still `from` (compare-and-swap). Returns whether this caller changed it. */
export async function moveServerIssuer(serverId: string, from: string | null, to: string): Promise<boolean> {
  const swap = () => getDb().serverOAuthDiscovery.updateMany({ where: { serverId, issuer: from }, data: { issuer: to } })
  if ((await swap()).count === 1) return true
  if (from !== null) return false
  // No discovery row yet (nothing recorded is the same as a null issuer): create an empty one, then swap.
  if (!(await updateServerIfPresent({ id: serverId }, { discovery: upsertPart({}) }))) return false
  return (await swap()).count === 1
}

/**
 * Every connection of the server whose tokens another issuer than `issuer` gave needs a new
 * sign-in: its tokens are deleted here (they must never reach the new authorization server).
 */
export async function markConnectionsOfOtherIssuers(serverId: string, issuer: string, reason: string): Promise<number> {
  const updated = await getDb().oAuthConnection.updateMany({
    where: { serverId, issuer: { not: issuer }, status: { not: 'needs_reauth' } },
    data: needsReauthData(reason),
  })
  return updated.count
}
