// Creating, updating, enabling and deleting a server (with the OAuth invalidation a config change needs).
import { randomUUID } from 'node:crypto'
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import type { ProbeResult } from '#app/mcp/probe.server.ts'
import { encryptPreregisteredSecret } from '#app/oauth/store/registrations.server.ts'
import { authTypeFromProbe, challengeColumns, probeChallengeColumns, probeRow } from '#app/models/server-probe.server.ts'
import { type ServerSummary, toDbTransport, upsertPart } from '#app/models/server.server.ts'
import { type OAuthException, type TokenAuthMethod, serializeOAuthExceptions } from '#app/oauth/rules.ts'
import { invalidateServerOAuth, prepareServerInvalidation } from '#app/oauth/revocation.server.ts'
import type { AuthType, Transport } from '#app/utils/server-validation.ts'

export class DuplicateServerNameError extends Error {
  override name = 'DuplicateServerNameError'
}


export type ServerInput = {
  name: string
  url: string
  transport: Transport
  authType: AuthType | 'detect'
  timeoutMs: number
  enabled: boolean
}

/** OAuth settings given when the server is added (the add form's Advanced section and credential choice). */
export type NewServerOAuth = {
  /** A pre-registered client; its secret is encrypted like the server page's (encryptPreregisteredSecret). */
  client: { clientId: string; clientSecret: string | null; authMethod: TokenAuthMethod } | null
  scopes: string | null
  exceptions: OAuthException[]
}

/**
 * Creates a server with its probe result. `authType: 'detect'` takes the probe's verdict
 * (none when it could not tell); an explicit choice is kept and locked.
 * Throws DuplicateServerNameError.
 */
export async function createServer(
  workspaceId: string,
  userId: string,
  input: ServerInput,
  probe: ProbeResult,
  oauth: NewServerOAuth = { client: null, scopes: null, exceptions: [] },
) {
  const detected = input.authType === 'detect'
  const authType: AuthType = input.authType === 'detect' ? (authTypeFromProbe(probe) ?? 'none') : input.authType
  // The id is chosen here because the client secret's ciphertext is bound to its row.
  const id = randomUUID()
  const { client } = oauth
  const challenge = probeChallengeColumns(probe)
  const oauthClient = {
    clientId: client?.clientId ?? null,
    tokenAuthMethod: client?.authMethod ?? null,
    clientSecret: client?.clientSecret ? encryptPreregisteredSecret(id, client.clientSecret) : null,
    scopes: oauth.scopes || null,
    exceptions: serializeOAuthExceptions(oauth.exceptions),
  }
  const hasOAuthClient = oauthClient.clientId !== null || oauthClient.scopes !== null || oauthClient.exceptions !== ''
  try {
    return await getDb().mcpServer.create({
      data: {
        id,
        workspaceId,
        createdById: userId,
        name: input.name,
        url: input.url,
        transport: toDbTransport(input.transport),
        authType,
        authTypeLocked: !detected,
        timeoutMs: input.timeoutMs,
        enabled: input.enabled,
        probe: { create: probeRow(probe) },
        ...(hasOAuthClient ? { oauthClient: { create: oauthClient } } : {}),
        ...(challenge ? { discovery: { create: challenge } } : {}),
      },
      select: { id: true, authType: true },
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateServerNameError('A server with this name already exists in this workspace.')
    throw error
  }
}

/**
 * Updates a server. A new URL, transport or auth type bumps `configVersion` (sessions and,
 * later, tokens of the old configuration are dropped). Throws DuplicateServerNameError.
 */
export async function updateServer(
  server: ServerSummary,
  input: ServerInput,
  probe: ProbeResult | null,
): Promise<{ configChanged: boolean }> {
  const authType = input.authType === 'detect' ? (probe ? authTypeFromProbe(probe) : null) ?? server.authType : input.authType
  const configChanged = input.url !== server.url || input.transport !== server.transport || authType !== server.authType
  const prepared = configChanged ? await prepareServerInvalidation(server) : []
  // Another URL's challenge would send discovery to the old server's metadata, and another
  // URL's authorization server is not a move of this one's (oauth/issuer.server.ts).
  const discovery = {
    ...(input.url !== server.url ? { ...challengeColumns(null), issuer: null } : {}),
    ...(probe ? probeChallengeColumns(probe) : {}),
  }
  try {
    await getDb().mcpServer.update({
      where: { id: server.id, workspaceId: server.workspaceId },
      data: {
        name: input.name,
        url: input.url,
        transport: toDbTransport(input.transport),
        authType,
        authTypeLocked: input.authType !== 'detect',
        timeoutMs: input.timeoutMs,
        enabled: input.enabled,
        ...(configChanged ? { configVersion: { increment: 1 } } : {}),
        ...(probe ? { probe: upsertPart(probeRow(probe)) } : {}),
        ...(Object.keys(discovery).length > 0 ? { discovery: upsertPart(discovery) } : {}),
      },
      select: { id: true },
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateServerNameError('A server with this name already exists in this workspace.')
    throw error
  }
  // Tokens belong to the old URL / auth type: revoke them (after the change is committed).
  if (configChanged) await invalidateServerOAuth(server, prepared)
  return { configChanged }
}

export async function setServerEnabled(server: ServerSummary, enabled: boolean): Promise<void> {
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { enabled },
    select: { id: true },
  })
}

/** Deletes a server; its OAuth tokens are revoked at the authorization server afterwards (best effort). */
export async function deleteServer(server: ServerSummary): Promise<void> {
  // Read before the delete: the registration and the client secret go with the row.
  const prepared = await prepareServerInvalidation(server)
  await getDb().mcpServer.deleteMany({ where: { id: server.id, workspaceId: server.workspaceId } })
  if (prepared.length > 0) await invalidateServerOAuth(server, prepared)
}
