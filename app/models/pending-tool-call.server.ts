// Tool calls waiting for a sign-in or a step-up: their arguments are encrypted here and
// decrypted only when the call is taken out to run.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { type SecretContext, decryptSecret, encryptSecret } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'

/**
 * A stopped call waits this long for the person to come back from the authorization server:
 * as long as a sign-in may take (FLOW_TTL_MS in oauth/store/flows.server.ts, ten minutes).
 */
export const PENDING_CALL_TTL_MS = 10 * 60 * 1000

/**
 * The associated data of the encrypted arguments: table, column and row id, the same shape the
 * OAuth store uses (oauth/store/secrets.server.ts), so rows stored before this module had its
 * own still decrypt.
 */
const argumentsContext = (rowId: string): SecretContext => ({ table: 'PendingToolCall', column: 'arguments', rowId })

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
  const id = randomBytes(24).toString('base64url')
  await db.pendingToolCall.create({
    data: {
      id,
      userId: input.userId,
      serverId: input.serverId,
      toolName: input.toolName,
      arguments: encryptSecret(JSON.stringify(input.input), argumentsContext(id)),
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
  const decrypted = decryptSecret(row.arguments, argumentsContext(id))
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
