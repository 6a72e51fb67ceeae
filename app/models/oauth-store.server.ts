// The OAuth rows (connections, flows, client registrations) and their encrypted columns. Every
// secret is encrypted here with associated data naming its row, and decrypted only on use.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { z } from 'zod'
import { decryptSecret, encryptSecret, type SecretContext } from '#app/utils/crypto.server.ts'
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import type { ClientKind, TokenAuthMethod } from '#app/utils/oauth-exceptions.ts'

const context = (table: string, column: string, rowId: string): SecretContext => ({ table, column, rowId })

export const SHARED_OWNER = 'shared'

/** How long a Connect may take between leaving for the authorization server and coming back. */
export const FLOW_TTL_MS = 10 * 60 * 1000

/** The key of a connection: the person's own, or the workspace's when the server is shared. */
export function ownerKeyFor(userId: string, shared: boolean): string {
  return shared ? SHARED_OWNER : userId
}

// --- Connections -------------------------------------------------------------------------------

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

export type ConnectionStatus = 'connected' | 'needs_reauth' | 'error'

/** A connection without its secrets: what pages may show. */
export type ConnectionInfo = Omit<ConnectionRow, 'accessToken' | 'refreshToken' | 'status' | 'clientKind' | 'connectedBy'> & {
  status: ConnectionStatus
  clientKind: ClientKind
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
    status: row.status as ConnectionStatus,
    clientKind: row.clientKind as ClientKind,
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
  const data = {
    status: 'connected',
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
function needsReauthData(reason: string) {
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

// --- Flows -------------------------------------------------------------------------------------

/** A new random `state` and the id its flow is stored under (SHA-256, so the table holds no usable state). */
export function newState(): { state: string; id: string } {
  const state = randomBytes(32).toString('base64url')
  return { state, id: flowId(state) }
}

export function flowId(state: string): string {
  return createHash('sha256').update(state).digest('hex')
}

export type FlowInput = {
  id: string
  userId: string
  sessionKey: string
  serverId: string
  configVersion: number
  codeVerifier: string
  issuer: string
  requireIss: boolean
  metadata: string
  resource: string | null
  redirectUri: string
  clientKind: ClientKind
  clientId: string
  scopes: string
  shared: boolean
  purpose: 'connect' | 'step_up'
  returnTo: string
}

/** One person holds at most this many sign-ins in progress; a new one pushes out their oldest. */
export const MAX_PENDING_FLOWS_PER_USER = 5

export async function createFlow(input: FlowInput): Promise<void> {
  const db = getDb()
  // Each Connect stores a row until its callback or expiry (housekeeping.server.ts sweeps expired
  // ones): without a cap, one person pressing Connect in a loop grows the table without bound.
  const kept = await db.oAuthFlow.findMany({
    where: { userId: input.userId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: MAX_PENDING_FLOWS_PER_USER - 1,
    select: { id: true },
  })
  if (kept.length > 0) await db.oAuthFlow.deleteMany({ where: { userId: input.userId, id: { in: kept.map((row) => row.id) } } })
  await db.oAuthFlow.create({
    data: {
      ...input,
      codeVerifier: encryptSecret(input.codeVerifier, context('OAuthFlow', 'codeVerifier', input.id)),
      expiresAt: new Date(Date.now() + FLOW_TTL_MS),
    },
    select: { id: true },
  })
}

export type ConsumedFlow = Omit<FlowInput, 'codeVerifier' | 'clientKind' | 'purpose'> & {
  codeVerifier: string | null
  clientKind: ClientKind
  purpose: 'connect' | 'step_up'
  expiresAt: Date
}

/** What a callback's `state` led to: the caller's own flow, someone else's (left alone), or nothing. */
export type FlowConsumption = { ok: true; flow: ConsumedFlow } | { ok: false; reason: 'not_yours' | 'unknown' }

/**
 * Takes the flow for `state` out of the table in one statement (DELETE … WHERE id AND userId AND
 * sessionKey … RETURNING), so a second callback with the same state finds nothing, and a callback
 * opened by another account or browser never burns the rightful owner's flow.
 */
export async function consumeFlow(state: string, owner: { userId: string; sessionKey: string }): Promise<FlowConsumption> {
  const id = flowId(state)
  const db = getDb()
  try {
    const row = await db.oAuthFlow.delete({ where: { id, userId: owner.userId, sessionKey: owner.sessionKey } })
    const verifier = decryptSecret(row.codeVerifier, context('OAuthFlow', 'codeVerifier', id))
    return {
      ok: true,
      flow: {
        ...row,
        resource: row.resource,
        codeVerifier: verifier.ok ? verifier.value : null,
        clientKind: row.clientKind as ClientKind,
        purpose: row.purpose === 'step_up' ? 'step_up' : 'connect',
      },
    }
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'P2025')) throw error
  }
  // Nothing deleted: either the state is someone else's (their flow stays for them), or it is
  // unknown or used. The read comes after the delete, so a flow it sees was never ours to take.
  const other = await db.oAuthFlow.findUnique({ where: { id }, select: { id: true } })
  return { ok: false, reason: other ? 'not_yours' : 'unknown' }
}

// --- Client registrations ----------------------------------------------------------------------

export type StoredRegistration = {
  id: string
  clientId: string
  clientSecret: string | null
  tokenEndpointAuthMethod: TokenAuthMethod
  clientSecretExpiresAt: Date | null
}

export async function findRegistration(serverId: string, issuer: string, redirectUri: string): Promise<StoredRegistration | null> {
  const row = await getDb().oAuthClientRegistration.findUnique({
    where: { serverId_issuer_redirectUri: { serverId, issuer, redirectUri } },
  })
  if (!row) return null
  // An expired secret (RFC 7591 client_secret_expires_at) is as good as none: register again.
  if (row.clientSecretExpiresAt && row.clientSecretExpiresAt.getTime() <= Date.now()) {
    await discardRegistration(row.id)
    return null
  }
  let clientSecret: string | null = null
  if (row.clientSecret) {
    const decrypted = decryptSecret(row.clientSecret, context('OAuthClientRegistration', 'clientSecret', row.id))
    // A secret that no longer decrypts is useless: register again.
    if (!decrypted.ok) {
      await discardRegistration(row.id)
      return null
    }
    clientSecret = decrypted.value
  }
  return {
    id: row.id,
    clientId: row.clientId,
    clientSecret,
    tokenEndpointAuthMethod: row.tokenEndpointAuthMethod as TokenAuthMethod,
    clientSecretExpiresAt: row.clientSecretExpiresAt,
  }
}

export class RegistrationRaceError extends Error {
  override name = 'RegistrationRaceError'
}

/** Stores a DCR result. Throws RegistrationRaceError when another request stored one first. */
export async function saveRegistration(input: {
  serverId: string
  issuer: string
  redirectUri: string
  clientId: string
  clientSecret: string | null
  tokenEndpointAuthMethod: TokenAuthMethod
  clientSecretExpiresAt: Date | null
}): Promise<void> {
  const id = randomUUID()
  try {
    await getDb().oAuthClientRegistration.create({
      data: {
        ...input,
        id,
        clientSecret: input.clientSecret
          ? encryptSecret(input.clientSecret, context('OAuthClientRegistration', 'clientSecret', id))
          : null,
      },
      select: { id: true },
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw new RegistrationRaceError('Another request registered this client first')
    throw error
  }
}

export async function discardRegistration(id: string): Promise<void> {
  await getDb().oAuthClientRegistration.deleteMany({ where: { id } })
}

export async function discardRegistrationsOf(serverId: string, clientId?: string): Promise<void> {
  await getDb().oAuthClientRegistration.deleteMany({ where: { serverId, ...(clientId ? { clientId } : {}) } })
}

/** The admin's pre-registered client secret, decrypted; null when none is set or it no longer decrypts. */
export async function readPreregisteredSecret(serverId: string): Promise<{ secret: string | null; unreadable: boolean }> {
  const row = await getDb().mcpServer.findUnique({ where: { id: serverId }, select: { oauthClientSecret: true } })
  if (!row?.oauthClientSecret) return { secret: null, unreadable: false }
  const decrypted = decryptSecret(row.oauthClientSecret, context('McpServer', 'oauthClientSecret', serverId))
  return decrypted.ok ? { secret: decrypted.value, unreadable: false } : { secret: null, unreadable: true }
}

export function encryptPreregisteredSecret(serverId: string, secret: string): string {
  return encryptSecret(secret, context('McpServer', 'oauthClientSecret', serverId))
}

// --- Tool calls waiting for a sign-in or a step-up -------------------------------------------

/** A stopped call waits this long for the person to come back from the authorization server. */
export const PENDING_CALL_TTL_MS = FLOW_TTL_MS

/** Authorization round trips one stopped call may make, the first Connect included. */
export const MAX_AUTHORIZATION_ROUNDS = 3

/**
 * What a stopped call holds: the validated arguments, or (when it stopped before the tool's
 * schema was known: not connected) the submitted form fields, validated when it resumes.
 */
const PendingCallInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('arguments'), arguments: z.record(z.string(), z.unknown()) }),
  z.object({ kind: z.literal('form'), fields: z.array(z.tuple([z.string(), z.string()])).max(1000) }),
])
export type PendingCallInput = z.infer<typeof PendingCallInputSchema>

export type PendingToolCall = {
  input: PendingCallInput
  /** Authorization round trips already made for this call. */
  rounds: number
  /** The scopes the server asked for last (its challenge); "" when none was named. */
  requestedScopes: string
}

/**
 * Keeps a tool call that stopped for a sign-in or more scopes; returns the id the Connect or
 * step-up carries back. `rounds` carries the count of a call that stopped again after resuming.
 */
export async function savePendingToolCall(input: {
  userId: string
  serverId: string
  toolName: string
  input: PendingCallInput
  rounds?: number
  requestedScopes?: string
}): Promise<string> {
  const db = getDb()
  await db.pendingToolCall.deleteMany({ where: { expiresAt: { lt: new Date() } } })
  const id = randomBytes(24).toString('base64url')
  await db.pendingToolCall.create({
    data: {
      id,
      userId: input.userId,
      serverId: input.serverId,
      toolName: input.toolName,
      arguments: encryptSecret(JSON.stringify(input.input), context('PendingToolCall', 'arguments', id)),
      rounds: input.rounds ?? 0,
      requestedScopes: (input.requestedScopes ?? '').slice(0, 2000),
      expiresAt: new Date(Date.now() + PENDING_CALL_TTL_MS),
    },
    select: { id: true },
  })
  return id
}

export type RoundOutcome =
  | { kind: 'counted'; rounds: number }
  /** The call already made every round it may: the server keeps refusing. */
  | { kind: 'exhausted'; toolName: string; requestedScopes: string }
  /** Unknown, expired, already resumed or someone else's: the Connect goes ahead without it. */
  | { kind: 'missing' }

/**
 * Counts one more authorization round trip for a stopped call (one conditional UPDATE, so two
 * tabs cannot both take the last round) and gives it the time of a sign-in to come back. A
 * round trip that does not reach the authorization server gives it back (giveBackAuthorizationRound).
 */
export async function countAuthorizationRound(id: string, owner: { userId: string; serverId: string }): Promise<RoundOutcome> {
  if (!/^[A-Za-z0-9_-]{32}$/.test(id)) return { kind: 'missing' }
  const db = getDb()
  const now = new Date()
  const counted = await db.pendingToolCall.updateMany({
    where: { id, ...owner, expiresAt: { gt: now }, rounds: { lt: MAX_AUTHORIZATION_ROUNDS } },
    data: { rounds: { increment: 1 }, expiresAt: new Date(now.getTime() + PENDING_CALL_TTL_MS) },
  })
  const row = await db.pendingToolCall.findFirst({
    where: { id, ...owner, expiresAt: { gt: now } },
    select: { rounds: true, toolName: true, requestedScopes: true },
  })
  if (!row) return { kind: 'missing' }
  if (counted.count === 1) return { kind: 'counted', rounds: row.rounds }
  return { kind: 'exhausted', toolName: row.toolName, requestedScopes: row.requestedScopes }
}

/**
 * Gives back the round counted for a Connect or step-up that did not reach the authorization
 * server (e.g. discovery failed): only a redirect that was issued uses a round up.
 */
export async function giveBackAuthorizationRound(id: string, owner: { userId: string; serverId: string }): Promise<void> {
  await getDb().pendingToolCall.updateMany({ where: { id, ...owner, rounds: { gt: 0 } }, data: { rounds: { decrement: 1 } } })
}

/** The rounds of a waiting call, without taking it out; null unless it exists, is unexpired and is this owner's. */
export async function peekPendingToolCall(
  id: string,
  owner: { userId: string; serverId: string; toolName: string },
): Promise<{ rounds: number; requestedScopes: string } | null> {
  if (!/^[A-Za-z0-9_-]{32}$/.test(id)) return null
  return getDb().pendingToolCall.findFirst({
    where: { id, ...owner, expiresAt: { gt: new Date() } },
    select: { rounds: true, requestedScopes: true },
  })
}

/** Removes a waiting call that will not run (it used its rounds). */
export async function dropPendingToolCall(id: string, owner: { userId: string; serverId: string }): Promise<void> {
  await getDb().pendingToolCall.deleteMany({ where: { id, ...owner } })
}

/**
 * Takes a waiting call out (one DELETE: a reload never runs it twice). Null unless it exists,
 * is unexpired and belongs to this user, server and tool.
 */
export async function takePendingToolCall(id: string, owner: { userId: string; serverId: string; toolName: string }): Promise<PendingToolCall | null> {
  if (!/^[A-Za-z0-9_-]{32}$/.test(id)) return null
  const db = getDb()
  const row = await db.pendingToolCall.findFirst({
    where: { id, ...owner, expiresAt: { gt: new Date() } },
    select: { arguments: true, rounds: true, requestedScopes: true },
  })
  if (!row) return null
  const taken = await db.pendingToolCall.deleteMany({ where: { id, ...owner } })
  if (taken.count !== 1) return null
  const decrypted = decryptSecret(row.arguments, context('PendingToolCall', 'arguments', id))
  if (!decrypted.ok) return null
  let json: unknown
  try {
    json = JSON.parse(decrypted.value)
  } catch {
    return null
  }
  const parsed = PendingCallInputSchema.safeParse(json)
  return parsed.success ? { input: parsed.data, rounds: row.rounds, requestedScopes: row.requestedScopes } : null
}

// --- The server's authorization server (issuer) ------------------------------------------------

/** The issuer last found by discovery for a server; null before the first discovery. */
export async function readServerIssuer(serverId: string): Promise<string | null> {
  const row = await getDb().mcpServer.findUnique({ where: { id: serverId }, select: { oauthIssuer: true } })
  return row?.oauthIssuer ?? null
}

/** An issuer of the server's connections other than `issuer`, if any (servers connected before the issuer was recorded). */
export async function otherConnectionIssuer(serverId: string, issuer: string): Promise<string | null> {
  const row = await getDb().oAuthConnection.findFirst({ where: { serverId, issuer: { not: issuer } }, select: { issuer: true } })
  return row?.issuer ?? null
}

/** Records `to` as the server's issuer if it is still `from` (compare-and-swap). Returns whether this caller changed it. */
export async function moveServerIssuer(serverId: string, from: string | null, to: string): Promise<boolean> {
  const moved = await getDb().mcpServer.updateMany({ where: { id: serverId, oauthIssuer: from }, data: { oauthIssuer: to } })
  return moved.count === 1
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
