import { randomUUID } from 'node:crypto'
import { decryptSecret, encryptSecret, type SecretContext } from '#app/utils/crypto.server.ts'
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import type { McpEndpoint } from '#app/utils/mcp-client.server.ts'
import type { ProbeResult } from '#app/utils/mcp-probe.server.ts'
import { encryptPreregisteredSecret } from '#app/models/oauth-store.server.ts'
import { type OAuthException, type TokenAuthMethod, parseOAuthExceptions, serializeOAuthExceptions } from '#app/utils/oauth-exceptions.ts'
import { invalidateServerOAuth, prepareServerInvalidation } from '#app/utils/oauth-revocation.server.ts'
import type { AuthType, Transport } from '#app/utils/server-validation.ts'
import { MAX_HEADERS_PER_SERVER } from '#app/utils/server-validation.ts'

// The database spells `streamable-http` as `streamable_http` (enum identifiers).
type DbTransport = 'auto' | 'streamable_http' | 'sse'
const toDbTransport = (transport: Transport): DbTransport => (transport === 'streamable-http' ? 'streamable_http' : transport)
const fromDbTransport = (transport: DbTransport): Transport => (transport === 'streamable_http' ? 'streamable-http' : transport)

/** Associated data of a header value: bound to its row, so a copied ciphertext does not decrypt. */
function headerContext(headerId: string): SecretContext {
  return { table: 'ServerHeader', column: 'value', rowId: headerId }
}

const serverSelect = {
  id: true,
  workspaceId: true,
  name: true,
  url: true,
  transport: true,
  authType: true,
  authTypeLocked: true,
  timeoutMs: true,
  enabled: true,
  configVersion: true,
  probedAt: true,
  probeOutcome: true,
  probeMessage: true,
  probeTransport: true,
  probeToolCount: true,
  probeServerName: true,
  oauthClientId: true,
  // Selected only to tell whether one is set: present() drops the value.
  oauthClientSecret: true,
  oauthTokenAuthMethod: true,
  oauthScopes: true,
  oauthShared: true,
  oauthExceptions: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
  // Names only: values are write-only and never leave this module in clear.
  headers: { select: { id: true, name: true, updatedAt: true }, orderBy: { name: 'asc' } },
} as const

type ServerRow = NonNullable<Awaited<ReturnType<typeof findServerRow>>>

function findServerRow(workspaceId: string, serverId: string) {
  return getDb().mcpServer.findFirst({ where: { id: serverId, workspaceId }, select: serverSelect })
}

function present(row: ServerRow) {
  const { oauthClientSecret, ...rest } = row
  return {
    ...rest,
    transport: fromDbTransport(row.transport),
    createdByName: row.createdBy?.name ?? null,
    hasOAuthClientSecret: oauthClientSecret !== null,
  }
}

/** A server as the UI shows it: no secret values, header names only. */
export type ServerSummary = ReturnType<typeof present>

export function listServers(workspaceId: string) {
  return getDb()
    .mcpServer.findMany({ where: { workspaceId }, select: serverSelect, orderBy: { name: 'asc' } })
    .then((rows) => rows.map(present))
}

/** The server of this workspace, or a 404 (a server of another workspace is "not found" too). */
export async function requireServer(workspaceId: string, serverId: string): Promise<ServerSummary> {
  const row = await findServerRow(workspaceId, serverId)
  if (!row) throw new Response('Server not found', { status: 404 })
  return present(row)
}

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

function probeColumns(probe: ProbeResult) {
  return {
    probedAt: new Date(),
    probeOutcome: probe.outcome,
    probeMessage: probe.message,
    probeTransport: probe.transport,
    probeToolCount: probe.toolCount,
    probeServerName: probe.serverName,
    ...probeChallengeColumns(probe),
  }
}

/**
 * The probe's Bearer challenge becomes the server's latest (MCP 2025-11-25: its
 * `resource_metadata` is fetched first and its `scope` asked for at Connect). A server that
 * answered without one forgets it; a probe that failed says nothing, so the stored one stays.
 */
function probeChallengeColumns(probe: ProbeResult) {
  if (probe.outcome === 'oauth') return challengeColumns({ resourceMetadataUrl: probe.resourceMetadataUrl, scope: probe.scope })
  if (probe.outcome === 'open' || probe.outcome === 'headers_required') return challengeColumns(null)
  return {}
}

function challengeColumns(challenge: { resourceMetadataUrl: string | null; scope: string | null } | null) {
  return {
    oauthChallengeMetadataUrl: challenge?.resourceMetadataUrl ?? null,
    oauthChallengeScope: challenge?.scope?.trim() || null,
    oauthChallengeAt: challenge ? new Date() : null,
  }
}

/** Stores a Bearer challenge seen on a later request (a 401 while in use) as the server's latest. */
export async function recordChallenge(serverId: string, challenge: { resourceMetadataUrl: string | null; scope: string | null }): Promise<void> {
  await getDb().mcpServer.updateMany({ where: { id: serverId }, data: challengeColumns(challenge) })
}

/** The auth type a probe suggests, when it tells. */
export function authTypeFromProbe(probe: ProbeResult): AuthType | null {
  if (probe.outcome === 'oauth') return 'oauth'
  // "Needs credentials" of an unknown kind: headers unless an admin chose OAuth (which locks the type).
  if (probe.outcome === 'headers_required' || probe.outcome === 'credentials_required') return 'headers'
  if (probe.outcome === 'open') return 'none'
  return null
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
        oauthClientId: client?.clientId ?? null,
        oauthTokenAuthMethod: client?.authMethod ?? null,
        oauthClientSecret: client?.clientSecret ? encryptPreregisteredSecret(id, client.clientSecret) : null,
        oauthScopes: oauth.scopes || null,
        oauthExceptions: serializeOAuthExceptions(oauth.exceptions),
        ...probeColumns(probe),
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
        // Another URL's challenge would send discovery to the old server's metadata.
        // Another URL's challenge would send discovery to the old server's metadata, and another
        // URL's authorization server is not a move of this one's (oauth-issuer.server.ts).
        ...(input.url !== server.url ? { ...challengeColumns(null), oauthIssuer: null } : {}),
        ...(probe ? probeColumns(probe) : {}),
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

/** Stores a probe result; adopts its auth type unless an admin locked it. */
export async function recordProbe(server: ServerSummary, probe: ProbeResult): Promise<void> {
  const suggested = authTypeFromProbe(probe)
  const adopt = !server.authTypeLocked && suggested !== null && suggested !== server.authType
  const prepared = adopt ? await prepareServerInvalidation(server) : []
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { ...probeColumns(probe), ...(adopt ? { authType: suggested, configVersion: { increment: 1 } } : {}) },
    select: { id: true },
  })
  if (adopt) await invalidateServerOAuth(server, prepared)
}

/**
 * A 401 with a Bearer challenge on a later request: the server uses OAuth (unless an
 * admin locked the auth type). Returns whether anything changed.
 */
export async function markServerAsOAuth(server: ServerSummary): Promise<boolean> {
  if (server.authTypeLocked || server.authType === 'oauth') return false
  const updated = await getDb().mcpServer.updateMany({
    where: { id: server.id, workspaceId: server.workspaceId, authTypeLocked: false },
    data: { authType: 'oauth', configVersion: { increment: 1 } },
  })
  return updated.count > 0
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

export class HeaderLimitError extends Error {
  override name = 'HeaderLimitError'
}

/** Adds or replaces a header's value (encrypted). Bumps the server's configVersion. */
export async function setServerHeader(server: ServerSummary, name: string, value: string): Promise<void> {
  const db = getDb()
  await db.$transaction(async (tx) => {
    // Write first: on SQLite a transaction that reads and then writes cannot wait for a busy
    // writer (its read snapshot would be stale) and fails at once with SQLITE_BUSY.
    await tx.mcpServer.update({ where: { id: server.id }, data: { configVersion: { increment: 1 } }, select: { id: true } })
    const headers = await tx.serverHeader.findMany({ where: { serverId: server.id }, select: { id: true, name: true } })
    // HTTP header names are case-insensitive: "x-api-key" replaces "X-Api-Key".
    const sameName = headers.find((header) => header.name.toLowerCase() === name.toLowerCase())
    if (sameName) {
      await tx.serverHeader.update({
        where: { id: sameName.id },
        data: { name, value: encryptSecret(value, headerContext(sameName.id)) },
        select: { id: true },
      })
    } else {
      if (headers.length >= MAX_HEADERS_PER_SERVER) {
        throw new HeaderLimitError(`A server can have at most ${MAX_HEADERS_PER_SERVER} headers.`)
      }
      const id = randomUUID()
      await tx.serverHeader.create({
        data: { id, serverId: server.id, name, value: encryptSecret(value, headerContext(id)) },
        select: { id: true },
      })
    }
  })
}

/** Removes a header of this server and returns its name; null when this server has no such header. */
export async function removeServerHeader(server: ServerSummary, headerId: string): Promise<string | null> {
  const header = server.headers.find((h) => h.id === headerId)
  if (!header) return null
  return getDb().$transaction(async (tx) => {
    const removed = await tx.serverHeader.deleteMany({ where: { id: headerId, serverId: server.id } })
    if (removed.count === 0) return null
    await tx.mcpServer.update({ where: { id: server.id }, data: { configVersion: { increment: 1 } }, select: { id: true } })
    return header.name
  })
}

export type EndpointResult = { ok: true; endpoint: McpEndpoint } | { ok: false; unreadableHeaders: string[] }

/**
 * How to reach the server, with its header values decrypted at the point of use. A value
 * that no longer decrypts (key removed, row tampered) is reported by name, never thrown.
 */
export async function loadEndpoint(server: ServerSummary): Promise<EndpointResult> {
  const rows = await getDb().serverHeader.findMany({
    where: { serverId: server.id, server: { workspaceId: server.workspaceId } },
    select: { id: true, name: true, value: true },
  })
  const headers: Record<string, string> = {}
  const unreadable: string[] = []
  for (const row of rows) {
    const decrypted = decryptSecret(row.value, headerContext(row.id))
    if (decrypted.ok) headers[row.name] = decrypted.value
    else unreadable.push(row.name)
  }
  if (unreadable.length > 0) return { ok: false, unreadableHeaders: unreadable }
  return { ok: true, endpoint: { url: server.url, transport: server.transport, headers, timeoutMs: server.timeoutMs } }
}

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
  const secretChange = input === null ? { oauthClientSecret: null } : input.clientSecret === undefined ? {} : {
    oauthClientSecret: input.clientSecret === null ? null : encryptPreregisteredSecret(server.id, input.clientSecret),
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
      oauthClientId: input?.clientId ?? null,
      oauthTokenAuthMethod: input?.authMethod ?? null,
      ...secretChange,
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
    data: { oauthScopes: scopes?.trim() ? scopes.trim() : null },
    select: { id: true },
  })
}

/** Switches between one connection per person and one shared connection; every connection is invalidated. */
export async function setOAuthShared(server: ServerSummary, shared: boolean): Promise<{ changed: boolean }> {
  if (server.oauthShared === shared) return { changed: false }
  const prepared = await prepareServerInvalidation(server)
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { oauthShared: shared, configVersion: { increment: 1 } },
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
    data: { oauthExceptions: serializeOAuthExceptions(next), oauthDiscovery: null, oauthDiscoveryExpiresAt: null },
    select: { id: true },
  })
  return { changed: true }
}

/** A server by id with the user's role in its workspace; null when the user is not a member. */
export async function findServerForMember(serverId: string, userId: string) {
  const row = await getDb().mcpServer.findFirst({
    where: { id: serverId, workspace: { memberships: { some: { userId } } } },
    select: { ...serverSelect, workspace: { select: { memberships: { where: { userId }, select: { role: true } } } } },
  })
  if (!row) return null
  const { workspace, ...server } = row
  const role = workspace.memberships[0]?.role
  return role ? { server: present(server), role } : null
}

/** The workspace's servers as the list page shows them: one query, no relations. */
export function listServerRows(workspaceId: string) {
  return getDb()
    .mcpServer.findMany({
      where: { workspaceId },
      select: {
        id: true,
        name: true,
        url: true,
        authType: true,
        enabled: true,
        probeOutcome: true,
        probedAt: true,
        oauthShared: true,
        configVersion: true,
      },
      orderBy: { name: 'asc' },
    })
}
