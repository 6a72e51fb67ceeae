// Disconnect as a use case: the person's own connection to a server (or the workspace's shared
// one, for admins) ends everywhere. The MCP sessions opened with it end first, with the token
// that still works; then the tokens are revoked (RFC 7009) and deleted here, and it is audited.
import { recordAudit } from '#app/models/audit.server.ts'
import type { Flash } from '#app/utils/flash.server.ts'
import { canManageWorkspace, type Role } from '#app/utils/permissions.ts'
import type { OAuthServer } from '#app/oauth/client-identity.server.ts'
import { disconnect, endConnectionSessions } from '#app/oauth/revocation.server.ts'
import { getConnectionInfo, ownerKeyFor } from '#app/oauth/store/connections.server.ts'

/** Only admins end the workspace's shared connection (a 403 Response otherwise). */
function requireMayDisconnect(server: OAuthServer, role: Role): void {
  if (server.oauthShared && !canManageWorkspace(role)) {
    throw new Response('Only admins can disconnect a shared connection', { status: 403 })
  }
}

/**
 * What the Disconnect confirmation page says: whose connection ends (the person's, or the shared
 * one every member uses) and whether there is one. Throws a 403 Response like disconnectFromServer.
 */
export async function disconnectPreview(input: { server: OAuthServer; userId: string; role: Role }) {
  requireMayDisconnect(input.server, input.role)
  const connection = await getConnectionInfo(input.server.id, ownerKeyFor(input.userId, input.server.oauthShared))
  return { shared: input.server.oauthShared, connected: connection !== null }
}

/**
 * Disconnects `userId` (or, for a shared connection, the workspace) from `server` once
 * `confirmed`, and says how it went. A revocation failure is reported, but the local delete always happens. Throws a 403
 * Response when a member tries to end the workspace's shared connection.
 */
export async function disconnectFromServer(input: { server: OAuthServer; userId: string; role: Role; confirmed: boolean }): Promise<Flash> {
  const { server, userId } = input
  requireMayDisconnect(server, input.role)
  if (!input.confirmed) return { kind: 'error', message: 'Press Disconnect on this page to confirm.' }
  const ownerKey = ownerKeyFor(userId, server.oauthShared)
  const outcome = await disconnect(server, ownerKey)
  if (!outcome.existed) return { kind: 'info', message: `You were not connected to ${server.name}.` }
  // A session opened with the old token while the revocation ran would keep a dead token until
  // it idles out: end this connection's sessions once more, now that its tokens are gone.
  await endConnectionSessions(server.id, ownerKey)
  await recordAudit({
    workspaceId: server.workspaceId,
    actorId: userId,
    server: { id: server.id, name: server.name },
    event: 'oauth.disconnected',
    outcome: outcome.ok ? 'success' : 'failure',
    issuer: outcome.issuer,
    scopes: outcome.scopes,
    detail: outcome.attempted
      ? outcome.ok
        ? 'Revoked at the authorization server'
        : (outcome.message ?? 'Revocation failed')
      : 'The authorization server offers no revocation; deleted here only',
  })
  return {
    kind: outcome.ok ? 'success' : 'info',
    message: outcome.ok
      ? `Disconnected from ${server.name}${outcome.attempted ? ' and revoked access at its authorization server' : ''}.`
      : `Disconnected from ${server.name}. ${outcome.message ?? ''}`,
  }
}
