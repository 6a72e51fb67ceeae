// The server page's OAuth settings as columns: pre-registered client, scopes, shared connection,
// rule exceptions. Writes only: app/servers/oauth-settings.server.ts decides what a change
// invalidates, and the OAuth store encrypts the client secret.
import { getDb } from '#app/utils/db.server.ts'
import { type ServerSummary, upsertPart } from '#app/models/server.server.ts'
import type { TokenAuthMethod } from '#app/oauth/rules.ts'

export type OAuthClientColumns = {
  clientId: string | null
  authMethod: TokenAuthMethod | null
  /** The new secret's ciphertext; undefined keeps the stored one, null removes it. */
  encryptedClientSecret: string | null | undefined
}

/** Stores the pre-registered client (all null: none). Bumps configVersion: tokens were issued to the old client. */
export async function writeOAuthClient(server: ServerSummary, client: OAuthClientColumns): Promise<void> {
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: {
      oauthClient: upsertPart({
        clientId: client.clientId,
        tokenAuthMethod: client.authMethod,
        ...(client.encryptedClientSecret === undefined ? {} : { clientSecret: client.encryptedClientSecret }),
      }),
      configVersion: { increment: 1 },
    },
    select: { id: true },
  })
}

/** The scopes to request (admin override); null goes back to discovery. */
export async function writeOAuthScopes(server: ServerSummary, scopes: string | null): Promise<void> {
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { oauthClient: upsertPart({ scopes }) },
    select: { id: true },
  })
}

/** One connection per person or one shared connection. Bumps configVersion. */
export async function writeOAuthShared(server: ServerSummary, shared: boolean): Promise<void> {
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { oauthClient: upsertPart({ shared }), configVersion: { increment: 1 } },
    select: { id: true },
  })
}

/** Stores the rule exceptions (serialized). Cached discovery is dropped: it was checked under the old rules. */
export async function writeOAuthExceptions(server: ServerSummary, serialized: string): Promise<void> {
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: {
      oauthClient: upsertPart({ exceptions: serialized }),
      discovery: upsertPart({ metadata: null, expiresAt: null }),
    },
    select: { id: true },
  })
}
