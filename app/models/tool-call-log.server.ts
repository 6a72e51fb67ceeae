// The record of every tool call made from Switchboard (ToolCall): who, which server and tool, the
// outcome and how long it took, for the audit log and the health charts; the arguments encrypted,
// for the caller's own history only (never the audit log, never CSV). ADR 029.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { ToolCallOutcome as RecordedOutcome } from '#app/generated/prisma-sqlite/enums.ts'
import { type SecretContext, encryptSecret } from '#app/utils/crypto.server.ts'
import { SqlInteger, getDb } from '#app/utils/db.server.ts'
import { logger } from '#app/utils/logger.server.ts'

export type { RecordedOutcome }

/**
 * Arguments larger than this (as JSON, in bytes) are not kept: the call is still recorded, its
 * history entry just cannot be run again. Bounds what one person can store per call.
 */
export const MAX_STORED_ARGUMENTS_BYTES = 16 * 1024

/** The associated data of the encrypted arguments: the row they belong to. */
export const toolCallArgumentsContext = (rowId: string): SecretContext => ({ table: 'ToolCall', column: 'arguments', rowId })

/**
 * The outcome of a call as mcp/tools.server.ts answers it (structurally, so the MCP wing's types
 * may change under it): a result, perhaps flagged isError, or a failure with what the person can do.
 */
export type CallOutcomeLike =
  | { ok: true; value: { result: unknown } }
  | { ok: false; failure: { kind: string; action: string } }

const FlaggedResultSchema = z.object({ isError: z.literal(true) })

/** Failures that wait on the person (connect, reconnect, more scopes), not on the server. */
const SIGN_IN_KINDS = new Set(['oauth_not_connected', 'reauth_required', 'insufficient_scope'])

/** The stored outcome for a call's result or failure. */
export function recordedOutcomeOf(outcome: CallOutcomeLike): RecordedOutcome {
  if (outcome.ok) return FlaggedResultSchema.safeParse(outcome.value.result).success ? 'tool_error' : 'success'
  const { kind, action } = outcome.failure
  if (kind === 'cancelled') return 'cancelled'
  // A disabled server (or, with the tool policy, a disabled tool) refuses before anything is sent.
  if (kind === 'disabled') return 'refused'
  if (SIGN_IN_KINDS.has(kind) || action === 'connect' || action === 'reconnect' || action === 'step_up') return 'reauth_required'
  return 'failure'
}

export type ToolCallRecord = {
  server: { id: string; name: string; workspaceId: string }
  userId: string | null
  toolName: string
  outcome: RecordedOutcome
  durationMs: number
  /** The validated arguments; null when none were sent (refused before parsing, not connected). */
  arguments: Record<string, unknown> | null
  via?: 'web' | 'agent'
  /** For calls via 'agent': the app (OAuth client id and the name it showed at consent). */
  agent?: { clientId: string; clientName: string }
}

/** The arguments' JSON encrypted for row `id`, or null when there are none or they are too large to keep. */
function sealArguments(id: string, args: Record<string, unknown> | null): string | null {
  if (!args) return null
  const json = JSON.stringify(args)
  if (Buffer.byteLength(json, 'utf8') > MAX_STORED_ARGUMENTS_BYTES) return null
  return encryptSecret(json, toolCallArgumentsContext(id))
}

/**
 * Records one tool call. Fails open, like the audit log: a lost record is logged, but it never
 * turns a call the person already made into an error page.
 */
export async function recordToolCall(record: ToolCallRecord): Promise<void> {
  // The id is chosen here because the encrypted arguments are bound to it. Lower-case hex, so
  // that both databases order it alike (the audit feed's keyset breaks ties by id).
  const id = randomBytes(12).toString('hex')
  try {
    await getDb().toolCall.create({
      data: {
        id,
        workspaceId: record.server.workspaceId,
        serverId: record.server.id,
        serverName: record.server.name,
        userId: record.userId,
        toolName: record.toolName.slice(0, 500),
        outcome: record.outcome,
        durationMs: Math.max(0, Math.round(record.durationMs)),
        arguments: sealArguments(id, record.arguments),
        via: record.via ?? 'web',
        agentClientId: record.agent?.clientId.slice(0, 2000) ?? null,
        agentClientName: record.agent?.clientName.slice(0, 500) ?? null,
      },
      select: { id: true },
    })
  } catch (error) {
    logger.error({ err: error, serverId: record.server.id, workspaceId: record.server.workspaceId }, 'could not record a tool call')
  }
}

/**
 * Runs `call` and records it with its outcome and wall-clock duration (sign-in refresh and
 * session set-up included: what the person waited for). Returns what `call` returned.
 */
export async function recordedCall<T extends CallOutcomeLike>(
  record: Omit<ToolCallRecord, 'outcome' | 'durationMs'>,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now()
  const outcome = await call()
  await recordToolCall({ ...record, outcome: recordedOutcomeOf(outcome), durationMs: performance.now() - started })
  return outcome
}

/** How many of a server's latest calls its health chart shows, and how far back it looks. */
export const HEALTH_CALLS = 30
export const HEALTH_WINDOW_MS = 7 * 24 * 60 * 60 * 1000

/** One call on a health chart: what the server did, not what the person did (see below). */
export type HealthSample = { outcome: 'success' | 'tool_error' | 'failure'; durationMs: number; at: string }

const HealthRowSchema = z.object({
  serverId: z.string(),
  outcome: z.enum(['success', 'tool_error', 'failure']),
  durationMs: SqlInteger,
  // SQLite answers the ISO text Prisma stored, PostgreSQL a Date.
  createdAt: z.union([z.date(), z.string()]).transform((value) => new Date(value).toISOString()),
})

/**
 * The latest HEALTH_CALLS calls of the past HEALTH_WINDOW_MS for each server of `workspaceId`
 * (or only `serverId`), oldest first, by server id. ONE statement for the whole workspace (the
 * Overview shows every server). Only answers of the server count: calls refused, cancelled or
 * stopped for a sign-in say nothing about its health.
 */
export async function recentServerHealth(workspaceId: string, serverId: string | null = null): Promise<Record<string, HealthSample[]>> {
  const since = new Date(Date.now() - HEALTH_WINDOW_MS)
  const rows = serverId
    ? await getDb().$queryRaw<unknown[]>`
        SELECT "serverId", "outcome", "durationMs", "createdAt" FROM (
          SELECT t."serverId" AS "serverId", CAST(t."outcome" AS TEXT) AS "outcome", t."durationMs" AS "durationMs", t."createdAt" AS "createdAt"
          FROM "ToolCall" t
          WHERE t."serverId" = ${serverId} AND t."workspaceId" = ${workspaceId} AND t."createdAt" >= ${since}
            AND t."outcome" IN ('success', 'tool_error', 'failure')
          ORDER BY t."createdAt" DESC, t."id" DESC LIMIT ${HEALTH_CALLS}) AS recent
        ORDER BY "createdAt" ASC`
    : await getDb().$queryRaw<unknown[]>`
        SELECT "serverId", "outcome", "durationMs", "createdAt" FROM (
          SELECT t."serverId" AS "serverId", CAST(t."outcome" AS TEXT) AS "outcome", t."durationMs" AS "durationMs", t."createdAt" AS "createdAt",
                 ROW_NUMBER() OVER (PARTITION BY t."serverId" ORDER BY t."createdAt" DESC, t."id" DESC) AS "position"
          FROM "ToolCall" t
          WHERE t."workspaceId" = ${workspaceId} AND t."serverId" IS NOT NULL AND t."createdAt" >= ${since}
            AND t."outcome" IN ('success', 'tool_error', 'failure')) AS recent
        WHERE "position" <= ${HEALTH_CALLS}
        ORDER BY "createdAt" ASC`
  const health: Record<string, HealthSample[]> = {}
  for (const raw of rows) {
    const row = HealthRowSchema.parse(raw)
    ;(health[row.serverId] ??= []).push({ outcome: row.outcome, durationMs: row.durationMs, at: row.createdAt })
  }
  return health
}
