// Questions put to a 2025 session's client during a call at the per-server endpoint (ADR 035), relayed through
// the database: the client's answer POST may reach another instance than the waiting call.
import { getDb } from '#app/utils/db.server.ts'

/** Records a question of session `sessionIdHash` as waiting; it ends at `expiresAt` even if never deleted. */
export async function openAgentQuestion(input: { id: string; sessionIdHash: string; expiresAt: Date }): Promise<void> {
  // Rows left by an instance that stopped while waiting expire; housekeeping deletes them.
  await getDb().agentQuestion.create({ data: input, select: { id: true } })
}

/**
 * Stores the answer to question `id` when it is a question of session `sessionIdHash` still waiting and not yet
 * answered; says whether it was.
 */
export async function answerAgentQuestion(id: string, sessionIdHash: string, answer: string): Promise<boolean> {
  const { count } = await getDb().agentQuestion.updateMany({
    where: { id, sessionIdHash, answer: null, expiresAt: { gt: new Date() } },
    data: { answer },
  })
  return count === 1
}

/** The stored answer to question `id` of session `sessionIdHash`, or null while there is none. */
export async function findAgentAnswer(id: string, sessionIdHash: string): Promise<string | null> {
  const row = await getDb().agentQuestion.findFirst({ where: { id, sessionIdHash }, select: { answer: true } })
  return row?.answer ?? null
}

/** Ends question `id`: the wait is over, answered or not. */
export async function closeAgentQuestion(id: string): Promise<void> {
  await getDb().agentQuestion.deleteMany({ where: { id } })
}
