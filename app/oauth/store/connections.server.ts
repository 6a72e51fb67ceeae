// OAuth connections: each owner's tokens (encrypted here, decrypted only on use), status, the
// refresh lease and the generation that guards every write (compare-and-swap).
import { randomUUID } from 'node:crypto'
import { oauthSecretContext as context } from '#app/oauth/store/secrets.server.ts'
import { decryptSecret, encryptSecret } from '#app/utils/crypto.server.ts'
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import type { ClientKind } from '#app/oauth/rules.ts'
import type { ConnectionStatus as DbConnectionStatus } from '#app/generated/prisma-sqlite/enums.ts'

import { SHARED_OWNER } from '#app/models/connection-owner.ts'

export { SHARED_OWNER }

/** The key of a connection: the person's own, or the workspace's when the server is shared. */
export function ownerKeyFor(userId: string, shared: boolean): string {
  return shared ? SHARED_OWNER : userId
}

const connectionSelect = {
  id: true,
  serverId: true,
  userId: true,
  ownerKey: true,
  status: true,
  lastError: true,
  accessToken: true,
  refreshToken: true,
  expiresAt: true,
  scopes: true,
  issuer: true,
  clientKind: true,
  clientId: true,
  configVersion: true,
  generation: true,
  refreshLeaseUntil: true,
  connectedAt: true,
  refreshedAt: true,
  updatedAt: true,
  connectedBy: { select: { id: true, name: true } },
} as const

type ConnectionRow = NonNullable<Awaited<ReturnType<typeof findConnectionRow>>>

function findConnectionRow(serverId: string, ownerKey: string) {
  return getDb().oAuthConnection.findUnique({ where: { serverId_ownerKey: { serverId, ownerKey } }, select: connectionSelect })
}

/** The stored status of a connection (the ConnectionStatus enum of prisma/models.prisma). */
export type ConnectionStatus = DbConnectionStatus

/** A connection without its secrets: what pages may show. */
export type ConnectionInfo = Omit<ConnectionRow, 'accessToken' | 'refreshToken' | 'connectedBy'> & {
  hasRefreshToken: boolean
  connectedByName: string | null
  connectedById: string | null
}

export type ConnectionWithTokens = ConnectionInfo & {
  /** Decrypted; null when absent or unreadable (key removed, row tampered). */
  accessToken: string | null
  refreshToken: string | null
}

function info(row: ConnectionRow): ConnectionInfo {
  const { accessToken: _a, refreshToken, connectedBy, ...rest } = row
  return {
    ...rest,
    hasRefreshToken: refreshToken !== null,
    connectedByName: connectedBy?.name ?? null,
    connectedById: connectedBy?.id ?? null,
  }
}

function decryptColumn(row: ConnectionRow, column: 'accessToken' | 'refreshToken'): string | null {
  const value = row[column]
  if (value === null) return null
  const result = decryptSecret(value, context('OAuthConnection', column, row.id))
  return result.ok ? result.value : null
}

export async function getConnectionInfo(serverId: string, ownerKey: string): Promise<ConnectionInfo | null> {
  const row = await findConnectionRow(serverId, ownerKey)
  return row ? info(row) : null
}

export async function getConnectionWithTokens(serverId: string, ownerKey: string): Promise<ConnectionWithTokens | null> {
  const row = await findConnectionRow(serverId, ownerKey)
  if (!row) return null
  return { ...info(row), accessToken: decryptColumn(row, 'accessToken'), refreshToken: decryptColumn(row, 'refreshToken') }
}

export type TokenSet = {
  accessToken: string
  refreshToken: string | null
  /** Seconds, as the authorization server said; null when it did not. */
  expiresIn: number | null
  scopes: string
}

function expiryFrom(expiresIn: number | null): Date | null {
  return expiresIn === null || !Number.isFinite(expiresIn) || expiresIn <= 0 ? null : new Date(Date.now() + expiresIn * 1000)
}

/**
 * Stores fresh tokens from a completed sign-in, replacing whatever the owner had (a new
 * generation, so no session or refresh in flight reuses the old ones).
 */
export async function saveConnection(input: {
  serverId: string
  ownerKey: string
  userId: string | null
  connectedById: string
  issuer: string
  clientKind: ClientKind
  clientId: string
  configVersion: number
  tokens: TokenSet
}): Promise<ConnectionInfo> {
  const db = getDb()
  const where = { serverId_ownerKey: { serverId: input.serverId, ownerKey: input.ownerKey } }
  const existing = await db.oAuthConnection.findUnique({ where, select: { id: true } })
  const id = existing?.id ?? randomUUID()
  const status: ConnectionStatus = 'connected'
  const data = {
    status,
    lastError: null,
    accessToken: encryptSecret(input.tokens.accessToken, context('OAuthConnection', 'accessToken', id)),
    refreshToken: input.tokens.refreshToken
      ? encryptSecret(input.tokens.refreshToken, context('OAuthConnection', 'refreshToken', id))
      : null,
    expiresAt: expiryFrom(input.tokens.expiresIn),
    scopes: input.tokens.scopes,
    issuer: input.issuer,
    clientKind: input.clientKind,
    clientId: input.clientId,
    configVersion: input.configVersion,
    connectedById: input.connectedById,
    userId: input.userId,
    refreshLeaseUntil: null,
    connectedAt: new Date(),
    refreshedAt: null,
  }
  try {
    // A flat select keeps this one statement (INSERT … ON CONFLICT): a nested one makes Prisma read
    // first inside a transaction, which SQLite refuses (SQLITE_BUSY) when another writer is active.
    await db.oAuthConnection.upsert({
      where,
      create: { id, serverId: input.serverId, ownerKey: input.ownerKey, ...data },
      update: { ...data, generation: { increment: 1 } },
      select: { id: true },
    })
    const row = await findConnectionRow(input.serverId, input.ownerKey)
    if (!row) throw new Error('The connection just stored is gone')
    return info(row)
  } catch (error) {
    // Two sign-ins of the same owner finished at once (two tabs): the other one created the
    // row first; store these tokens over it (encrypted for that row's id).
    if (!existing && isUniqueViolation(error)) return saveConnection(input)
    throw error
  }
}

/**
 * Takes the refresh lease if nobody holds it and the generation is still `generation`.
 * Returns whether this caller holds it now.
 */
export async function acquireRefreshLease(connectionId: string, generation: number, leaseMs: number): Promise<boolean> {
  const now = new Date()
  const taken = await getDb().oAuthConnection.updateMany({
    where: {
      id: connectionId,
      generation,
      OR: [{ refreshLeaseUntil: null }, { refreshLeaseUntil: { lt: now } }],
    },
    data: { refreshLeaseUntil: new Date(now.getTime() + leaseMs) },
  })
  return taken.count === 1
}

/** Extends the lease this caller still holds (same generation, not yet expired). Returns whether it did. */
export async function renewRefreshLease(connectionId: string, generation: number, leaseMs: number): Promise<boolean> {
  const now = new Date()
  const renewed = await getDb().oAuthConnection.updateMany({
    where: { id: connectionId, generation, refreshLeaseUntil: { gt: now } },
    data: { refreshLeaseUntil: new Date(now.getTime() + leaseMs) },
  })
  return renewed.count === 1
}

export async function releaseRefreshLease(connectionId: string, generation: number): Promise<void> {
  await getDb().oAuthConnection.updateMany({ where: { id: connectionId, generation }, data: { refreshLeaseUntil: null } })
}

/**
 * Stores refreshed tokens if the connection is still at `generation` (compare-and-swap).
 * Returns false when someone else changed it first.
 */
export async function storeRefreshedTokens(connectionId: string, generation: number, tokens: TokenSet, previousRefreshToken: string | null): Promise<boolean> {
  const refreshToken = tokens.refreshToken ?? previousRefreshToken
  const updated = await getDb().oAuthConnection.updateMany({
    where: { id: connectionId, generation },
    data: {
      accessToken: encryptSecret(tokens.accessToken, context('OAuthConnection', 'accessToken', connectionId)),
      refreshToken: refreshToken ? encryptSecret(refreshToken, context('OAuthConnection', 'refreshToken', connectionId)) : null,
      expiresAt: expiryFrom(tokens.expiresIn),
      ...(tokens.scopes ? { scopes: tokens.scopes } : {}),
      generation: { increment: 1 },
      refreshLeaseUntil: null,
      refreshedAt: new Date(),
      status: 'connected',
      lastError: null,
    },
  })
  return updated.count === 1
}

/** A connection that needs a new sign-in: no tokens, the reason in words, a new generation. */
export function needsReauthData(reason: string) {
  return {
    status: 'needs_reauth',
    lastError: reason.slice(0, 500),
    accessToken: null,
    refreshToken: null,
    expiresAt: null,
    refreshLeaseUntil: null,
    generation: { increment: 1 },
  } as const
}

/**
 * Marks the connection as needing a new sign-in and deletes its tokens, if it is still at
 * `generation` (a newer token written by another instance is never deleted).
 */
export async function markNeedsReauth(connectionId: string, generation: number | null, reason: string): Promise<boolean> {
  const updated = await getDb().oAuthConnection.updateMany({
    where: { id: connectionId, ...(generation === null ? {} : { generation }) },
    data: needsReauthData(reason),
  })
  return updated.count === 1
}

/** Records a failure that did not cost the tokens (e.g. the authorization server was down). */
export async function noteConnectionError(connectionId: string, reason: string): Promise<void> {
  await getDb().oAuthConnection.updateMany({ where: { id: connectionId }, data: { lastError: reason.slice(0, 500) } })
}

export async function deleteConnection(connectionId: string): Promise<void> {
  await getDb().oAuthConnection.deleteMany({ where: { id: connectionId } })
}

/** Every connection of a server, with tokens, for revocation before an invalidation. */
export async function listServerConnectionsWithTokens(serverId: string): Promise<ConnectionWithTokens[]> {
  const rows = await getDb().oAuthConnection.findMany({ where: { serverId }, select: connectionSelect })
  return rows.map((row) => ({ ...info(row), accessToken: decryptColumn(row, 'accessToken'), refreshToken: decryptColumn(row, 'refreshToken') }))
}

/** Per-server connection counts for lists: how many people are connected, and whether the signed-in one is. */
export async function listConnectionsOf(serverIds: string[], ownerKeys: string[]): Promise<ConnectionInfo[]> {
  if (serverIds.length === 0) return []
  const rows = await getDb().oAuthConnection.findMany({
    where: { serverId: { in: serverIds }, ownerKey: { in: ownerKeys } },
    select: connectionSelect,
  })
  return rows.map(info)
}
