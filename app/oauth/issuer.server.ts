// A server that moves its sign-in to another authorization server (MCP 2026-07-28): nothing
// issued by or registered with the old issuer goes to the new one. Discovery's issuer is compared
// with the one recorded last (ServerOAuthDiscovery.issuer) at Connect and before every refresh.
// docs/decisions/015-tokens-step-up-and-moves.md
import { recordAudit } from '#app/models/audit.server.ts'
import { markConnectionsOfOtherIssuers, moveServerIssuer, otherConnectionIssuer, readServerIssuer } from '#app/oauth/store/issuers.server.ts'
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { shortUrl } from '#app/oauth/http.server.ts'
import { type OAuthDiscovery, legacyIssuerWithPath, sameIssuer } from '#app/oauth/metadata.server.ts'

type ServerRef = { id: string; workspaceId: string; name: string; url: string }

/** The words a connection of the old issuer shows (after "no longer valid"). */
export function movedSignInReason(issuer: string): string {
  return `the server moved its sign-in to another authorization server, ${issuer}`
}

/**
 * Compares the issuer discovery found now with the one recorded for the server. On a change:
 * records the new one, asks every connection of the old one to reconnect (their tokens are
 * deleted), ends their MCP sessions and audits the move once (whoever records it first).
 * A 2025-03-26 issuer with a path on the server's origin is audited once when first recorded.
 */
export async function noteDiscoveredIssuer(
  server: ServerRef,
  discovery: Pick<OAuthDiscovery, 'issuer' | 'legacy'>,
  /** The issuer recorded for the server, when the caller read it already. */
  recorded?: { issuer: string | null },
): Promise<{ moved: boolean; renamed: boolean; previous: string | null }> {
  const { issuer } = discovery
  let stored = recorded ? recorded.issuer : await readServerIssuer(server.id)
  let previous = stored ?? (await otherConnectionIssuer(server.id, issuer))
  let renamed = false
  if (previous !== null && previous !== issuer && sameUpToEmptyPathSlash(previous, issuer)) {
    // Recorded under the former rule (ADR 010: "https://as" and "https://as/" were one issuer, and
    // 2025-03-26 discovery stored the bare origin): the same authorization server, renamed in place.
    await renameIssuer(server.id, previous, issuer)
    renamed = true
    stored = await readServerIssuer(server.id)
    previous = stored ?? (await otherConnectionIssuer(server.id, issuer))
  }
  if (previous === null || sameIssuer(previous, issuer)) {
    if (stored === null && (await moveServerIssuer(server.id, null, issuer))) await auditLegacyIssuer(server, discovery)
    return { moved: false, renamed, previous }
  }
  const first = await moveServerIssuer(server.id, stored, issuer)
  if (first) await auditLegacyIssuer(server, discovery)
  const reconnect = await markConnectionsOfOtherIssuers(server.id, issuer, movedSignInReason(issuer))
  if (first) {
    // Sessions opened with the old issuer's tokens: ended with those tokens while they may still work.
    await getSessionPool().closeServer(server.id)
    logger.info({ serverId: server.id, connections: reconnect }, 'the server moved its sign-in to another authorization server')
    await recordAudit({
      workspaceId: server.workspaceId,
      actorId: null,
      server: { id: server.id, name: server.name },
      event: 'oauth.issuer_changed',
      issuer,
      detail: `From ${previous} to ${issuer}; ${reconnect} connection${reconnect === 1 ? '' : 's'} must reconnect`,
    })
  }
  return { moved: true, renamed, previous }
}

/**
 * When the server moved its sign-in after its pre-registered client was saved, the issuers of
 * that move (`current` is the issuer in use, as just noted by noteDiscoveredIssuer): the client was entered for the old authorization server and is not sent to the new
 * one until an admin saves a client again. Null when the client may be used.
 */
export async function preregisteredClientMovedFrom(serverId: string, current: string): Promise<{ from: string; to: string } | null> {
  const db = getDb()
  const [move, clientSaved] = await Promise.all([
    db.auditEvent.findFirst({ where: { serverId, event: 'oauth.issuer_changed' }, orderBy: { createdAt: 'desc' }, select: { createdAt: true, detail: true, issuer: true } }),
    db.auditEvent.findFirst({ where: { serverId, event: 'oauth.client_changed' }, orderBy: { createdAt: 'desc' }, select: { createdAt: true } }),
  ])
  // Only the move that led to the issuer in use counts: a URL change forgets the issuer
  // (server.server.ts), and the new URL's authorization server is no move of the old one's.
  if (!move || move.issuer !== current) return null
  if (clientSaved && clientSaved.createdAt > move.createdAt) return null
  const from = /^From (\S+) to /.exec(move.detail ?? '')?.[1] ?? 'the former authorization server'
  return { from, to: move.issuer ?? 'the new authorization server' }
}

/** MCP 2025-03-26 discovery found an issuer with a path on the server's origin: shown on the page, audited once. */
async function auditLegacyIssuer(server: ServerRef, discovery: Pick<OAuthDiscovery, 'issuer' | 'legacy'>): Promise<void> {
  if (!discovery.legacy || !legacyIssuerWithPath(server.url, discovery.issuer)) return
  await recordAudit({
    workspaceId: server.workspaceId,
    actorId: null,
    server: { id: server.id, name: server.name },
    event: 'oauth.legacy_issuer',
    issuer: discovery.issuer,
    detail: `MCP 2025-03-26 discovery: the authorization server at ${new URL(server.url).origin} names itself ${shortUrl(discovery.issuer)}`,
  })
}

/** True when two issuers differ at most by the "/" of an empty path (https://as vs https://as/). */
function sameUpToEmptyPathSlash(a: string, b: string): boolean {
  const strip = (value: string) => (/^https?:\/\/[^/]+\/$/.test(value) ? value.slice(0, -1) : value)
  return strip(a) === strip(b)
}

/** Rewrites an issuer recorded under the former comparison rule to the exact one discovery names now. */
async function renameIssuer(serverId: string, from: string, to: string): Promise<void> {
  const db = getDb()
  await db.oAuthConnection.updateMany({ where: { serverId, issuer: from }, data: { issuer: to } })
  for (const registration of await db.oAuthClientRegistration.findMany({ where: { serverId, issuer: from }, select: { id: true } })) {
    try {
      await db.oAuthClientRegistration.update({ where: { id: registration.id }, data: { issuer: to } })
    } catch (error) {
      // A registration under the exact issuer exists already: it is the one to keep.
      if (!isUniqueViolation(error)) throw error
      await db.oAuthClientRegistration.deleteMany({ where: { id: registration.id } })
    }
  }
  await db.serverOAuthDiscovery.updateMany({ where: { serverId, issuer: from }, data: { issuer: to } })
  logger.info({ serverId }, 'OAuth issuer recorded under the former comparison rule renamed to the exact one')
}
