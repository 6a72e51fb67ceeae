// The server page's OAuth settings: pre-registered client, scopes, shared connection, rule exceptions.
import { getDb } from '#app/utils/db.server.ts'
import { encryptPreregisteredSecret } from '#app/oauth/store/registrations.server.ts'
import { type ServerSummary, upsertPart } from '#app/models/server.server.ts'
import { type OAuthException, parseOAuthExceptions, serializeOAuthExceptions } from '#app/oauth/rules.ts'
import { invalidateServerOAuth, prepareServerInvalidation } from '#app/oauth/revocation.server.ts'

export type OAuthClientInput = {
  clientId: string
  /** A new secret; undefined keeps the stored one, null removes it. */
  clientSecret: string | null | undefined
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'none'
}

/**
 * Sets the pre-registered OAuth client (or removes it with `null`). Changing the client
 * invalidates every connection of the server (tokens were issued to the old client).
 */
export async function setOAuthClient(server: ServerSummary, input: OAuthClientInput | null): Promise<{ changed: boolean }> {
  const secretChange = input === null ? { clientSecret: null } : input.clientSecret === undefined ? {} : {
    clientSecret: input.clientSecret === null ? null : encryptPreregisteredSecret(server.id, input.clientSecret),
  }
  const changed =
    input === null
      ? server.oauthClientId !== null || server.hasOAuthClientSecret
      : input.clientId !== server.oauthClientId || input.authMethod !== server.oauthTokenAuthMethod || input.clientSecret !== undefined
  if (!changed) return { changed: false }
  // Tokens issued to the old client are revoked with the old client's credentials.
  const prepared = await prepareServerInvalidation(server)
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: {
      oauthClient: upsertPart({ clientId: input?.clientId ?? null, tokenAuthMethod: input?.authMethod ?? null, ...secretChange }),
      configVersion: { increment: 1 },
    },
    select: { id: true },
  })
  await invalidateServerOAuth(server, prepared)
  return { changed: true }
}

/** The scopes to request (admin override); null or empty goes back to discovery. */
export async function setOAuthScopes(server: ServerSummary, scopes: string | null): Promise<void> {
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { oauthClient: upsertPart({ scopes: scopes?.trim() ? scopes.trim() : null }) },
    select: { id: true },
  })
}

/** Switches between one connection per person and one shared connection; every connection is invalidated. */
export async function setOAuthShared(server: ServerSummary, shared: boolean): Promise<{ changed: boolean }> {
  if (server.oauthShared === shared) return { changed: false }
  const prepared = await prepareServerInvalidation(server)
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { oauthClient: upsertPart({ shared }), configVersion: { increment: 1 } },
    select: { id: true },
  })
  await invalidateServerOAuth(server, prepared)
  return { changed: true }
}

/** Turns one named rule exception on or off. Cached discovery is dropped (it was checked under the old rules). */
export async function setOAuthException(server: ServerSummary, name: OAuthException, enabled: boolean): Promise<{ changed: boolean }> {
  const current = parseOAuthExceptions(server.oauthExceptions)
  if (current.includes(name) === enabled) return { changed: false }
  const next = enabled ? [...current, name] : current.filter((entry) => entry !== name)
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: {
      oauthClient: upsertPart({ exceptions: serializeOAuthExceptions(next) }),
      discovery: upsertPart({ metadata: null, expiresAt: null }),
    },
    select: { id: true },
  })
  return { changed: true }
}
