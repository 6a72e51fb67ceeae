// RFC 7009 revocation, Disconnect, and the invalidation of a server's connections when its
// OAuth settings change or it is deleted.
import { type ConnectionWithTokens, SHARED_OWNER, deleteConnection, getConnectionWithTokens, listServerConnectionsWithTokens } from '#app/oauth/store/connections.server.ts'
import { discardRegistrationsOf } from '#app/oauth/store/registrations.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type OAuthServer, discoveryTarget, storedIdentity } from '#app/oauth/client-identity.server.ts'
import { discoverOAuth, forgetDiscovery } from '#app/oauth/discovery.server.ts'
import { toOAuthProblem } from '#app/oauth/errors.server.ts'
import { oauthFetch } from '#app/oauth/http.server.ts'
import { logOAuthStep } from '#app/oauth/log.server.ts'
import { type OAuthDiscovery, revocationEndpoint, sameIssuer } from '#app/oauth/metadata.server.ts'
import { type ClientIdentity, applyClientAuthentication } from '#app/oauth/provider.server.ts'

export type RevocationOutcome = { attempted: boolean; ok: boolean; message: string | null }

/**
 * What revoking one connection needs (endpoint and client identity), read while the server's
 * settings that issued the tokens are still stored: a change of client or a deleted server
 * would otherwise revoke with the new credentials, or with none.
 */
export type PreparedRevocation = {
  connection: ConnectionWithTokens
  target: { endpoint: string; identity: ClientIdentity } | null
  problem: string | null
}

async function prepareRevocation(server: OAuthServer, connection: ConnectionWithTokens): Promise<PreparedRevocation> {
  if (!connection.refreshToken && !connection.accessToken) return { connection, target: null, problem: null }
  let discovery: OAuthDiscovery
  try {
    discovery = await discoverOAuth(discoveryTarget(server))
  } catch (error) {
    return { connection, target: null, problem: `Could not reach the authorization server to revoke access: ${toOAuthProblem(error, 'revocation').message}` }
  }
  const endpoint = revocationEndpoint(discovery.metadata)
  if (!endpoint || !sameIssuer(discovery.issuer, connection.issuer)) {
    const outcome = endpoint ? 'issuer_changed' : 'no_revocation_endpoint'
    logOAuthStep('revocation_skipped', { serverId: server.id, issuer: connection.issuer, endpoint: null, outcome })
    return { connection, target: null, problem: null }
  }
  const identity = await storedIdentity(server, connection.issuer, discovery.metadata, connection.clientKind, connection.clientId).catch(() => null)
  if (!identity) return { connection, target: null, problem: 'Could not revoke access at the authorization server: Switchboard’s client registration is gone.' }
  return { connection, target: { endpoint, identity }, problem: null }
}

/** RFC 7009 requests for a prepared revocation, refresh token first. Never throws. */
async function sendRevocation(prepared: PreparedRevocation): Promise<RevocationOutcome> {
  const { connection, target, problem } = prepared
  if (problem) return { attempted: true, ok: false, message: problem }
  if (!target) return { attempted: false, ok: true, message: null }
  const tokens = [
    connection.refreshToken ? { token: connection.refreshToken, hint: 'refresh_token' } : null,
    connection.accessToken ? { token: connection.accessToken, hint: 'access_token' } : null,
  ].filter((entry) => entry !== null)
  const failures: string[] = []
  for (const [index, { token, hint }] of tokens.entries()) {
    const headers = new Headers({ 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' })
    const body = new URLSearchParams({ token, token_type_hint: hint })
    applyClientAuthentication(target.identity, headers, body)
    const startedAt = performance.now()
    const log = (outcome: string) =>
      logOAuthStep('revocation', { serverId: connection.serverId, issuer: connection.issuer, endpoint: target.endpoint, outcome: `${hint}:${outcome}`, startedAt })
    try {
      const response = await oauthFetch()(target.endpoint, { method: 'POST', headers, body })
      const text = await response.text().catch(() => '')
      const code = response.ok ? null : (/"error"\s*:\s*"([a-z_]+)"/.exec(text)?.[1] ?? null)
      log(response.ok ? 'ok' : (code ?? `http_${response.status}`))
      if (response.ok) continue
      // A JWT access token often cannot be revoked (it expires on its own); revoking the
      // refresh token already ended the grant.
      if (hint === 'access_token' && index > 0 && code === 'unsupported_token_type') continue
      failures.push(`the ${hint === 'refresh_token' ? 'refresh' : 'access'} token (HTTP ${response.status}${code ? `, ${code}` : ''})`)
    } catch (error) {
      const code = toOAuthProblem(error, 'revocation').code
      log(code)
      failures.push(`the ${hint === 'refresh_token' ? 'refresh' : 'access'} token (${code})`)
    }
  }
  return failures.length === 0
    ? { attempted: true, ok: true, message: null }
    : { attempted: true, ok: false, message: `The authorization server did not confirm revoking ${failures.join(' and ')}. Switchboard deleted its copy anyway.` }
}

/**
 * RFC 7009: revokes the refresh token, then the access token, at the authorization server
 * when it has a revocation endpoint. Never throws: a failure is reported in words.
 */
export async function revokeTokens(server: OAuthServer, connection: ConnectionWithTokens): Promise<RevocationOutcome> {
  return sendRevocation(await prepareRevocation(server, connection))
}

/**
 * Call BEFORE a server's URL, auth type, client, sharing changes or it is deleted: reads every
 * connection and what revoking it needs under the settings that issued it. Pass the result to
 * `invalidateServerOAuth` once the change is committed.
 */
export async function prepareServerInvalidation(server: OAuthServer): Promise<PreparedRevocation[]> {
  const prepared: PreparedRevocation[] = []
  // One after the other: the first fills the discovery cache the others read.
  for (const connection of await listServerConnectionsWithTokens(server.id)) prepared.push(await prepareRevocation(server, connection))
  return prepared
}

/** Ends the pooled MCP sessions of one connection: a person's, or every member's for the shared one. */
export function endConnectionSessions(serverId: string, ownerKey: string): Promise<number> {
  return getSessionPool().closeSessions(serverId, (key) => ownerKey === SHARED_OWNER || key.userId === ownerKey)
}

/** Disconnect: revoke at the authorization server (best effort), then delete locally. */
export async function disconnect(
  server: OAuthServer,
  ownerKey: string,
): Promise<RevocationOutcome & { existed: boolean; issuer: string | null; scopes: string | null }> {
  const connection = await getConnectionWithTokens(server.id, ownerKey)
  if (!connection) return { existed: false, attempted: false, ok: true, message: null, issuer: null, scopes: null }
  // End the MCP sessions opened with these tokens while the tokens still work (their DELETE
  // carries them): after the revocation the server would refuse it and keep the sessions.
  await endConnectionSessions(server.id, ownerKey)
  const revocation = await revokeTokens(server, connection)
  await deleteConnection(connection.id)
  return { existed: true, ...revocation, issuer: connection.issuer, scopes: connection.scopes || null }
}

/**
 * After a server's URL, auth type or client credentials changed, or it was deleted (already
 * committed): every connection prepared before the change (`prepareServerInvalidation`) is
 * revoked where possible and deleted, the shared registration dropped and discovery forgotten.
 * Members then see "Connect". `previous` is the server as it was before the change.
 */
export async function invalidateServerOAuth(
  previous: OAuthServer,
  prepared?: PreparedRevocation[],
): Promise<{ connections: number; revocationFailures: number }> {
  const list = prepared ?? (await prepareServerInvalidation(previous))
  // Sessions first, with the tokens they were opened with, which still work until revoked below.
  await getSessionPool().closeServer(previous.id)
  let revocationFailures = 0
  for (const entry of list) {
    const outcome = await sendRevocation(entry)
    if (!outcome.ok) revocationFailures++
    await deleteConnection(entry.connection.id)
  }
  await discardRegistrationsOf(previous.id)
  await forgetDiscovery(previous.id)
  if (list.length > 0) {
    logger.info({ serverId: previous.id, connections: list.length, revocationFailures }, 'OAuth connections invalidated')
  }
  return { connections: list.length, revocationFailures }
}
