// A person's own recent calls of one tool (the tool page's "Your recent runs"), and the arguments
// of one of them for "Run again" — decrypted only for the person who made the call. ADR 031.
import { z } from 'zod'
import { toolCallOutcomeLabel } from '#app/models/activity.server.ts'
import { toolCallArgumentsContext } from '#app/models/tool-call-log.server.ts'
import { decryptSecret } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'

/** How many recent runs the tool page lists. */
export const HISTORY_LENGTH = 10

export type HistoryEntry = {
  id: string
  outcome: string
  /** The outcome in words, as the audit log says it. */
  label: string
  durationMs: number
  at: string
  /** False when the arguments were not kept (too large, or none sent): nothing to run again. */
  rerunnable: boolean
}

/** `userId`'s latest calls of `toolName` on `serverId`, newest first (no arguments: only whether they were kept). */
export async function listToolCallHistory(userId: string, serverId: string, toolName: string): Promise<HistoryEntry[]> {
  const rows = await getDb().toolCall.findMany({
    where: { userId, serverId, toolName },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: HISTORY_LENGTH,
    select: { id: true, outcome: true, durationMs: true, createdAt: true, arguments: true },
  })
  return rows.map((row) => ({
    id: row.id,
    outcome: row.outcome,
    label: toolCallOutcomeLabel(row.outcome),
    durationMs: row.durationMs,
    at: row.createdAt.toISOString(),
    rerunnable: row.arguments !== null,
  }))
}

const ArgumentsSchema = z.record(z.string(), z.unknown())

/**
 * The arguments of call `id`, when it is `userId`'s call of this tool on this server and they were
 * kept and still decrypt; otherwise null (someone else's call reads as no call at all).
 */
export async function readToolCallArguments(id: string, owner: { userId: string; serverId: string; toolName: string }): Promise<Record<string, unknown> | null> {
  const row = await getDb().toolCall.findFirst({ where: { id, ...owner }, select: { arguments: true } })
  if (!row?.arguments) return null
  const decrypted = decryptSecret(row.arguments, toolCallArgumentsContext(id))
  if (!decrypted.ok) return null
  try {
    const parsed = ArgumentsSchema.safeParse(JSON.parse(decrypted.value))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}
