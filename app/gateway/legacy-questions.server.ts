// The upstream's questions for 2025-revision agents (ADR 035): an elicitation, sampling or roots request of the
// upstream during a tools/call goes to a 2025 session's client the 2025 way — a JSON-RPC request from server to
// client on the call's own SSE response stream — and the client POSTs its answer to the session endpoint as a
// separate request, which the SDK serves statelessly, so nothing would connect the two. Each question gets an id we
// mint and a row in the database (AgentQuestion) while its call waits; serveAgentRequest hands every JSON-RPC
// response a session POSTs to `takeLegacyAnswer` and answers that POST 202. On the waiting instance the answer is
// handed over in memory; on another one (no sticky sessions) it is written into the question's row, which the
// waiting call reads every ANSWER_POLL_MS while it waits. An answer is taken only from the same session (its id
// hash, bound to the grant when the session was found) and only for an id we issued and are still waiting for;
// anything else is ignored (still 202: JSON-RPC has no answer to an answer).
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import type { JSONRPCNotification, JSONRPCRequest } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { answerAgentQuestion, closeAgentQuestion, findAgentAnswer, openAgentQuestion } from '#app/models/agent-question.server.ts'
import { logger } from '#app/utils/logger.server.ts'

/** Writes one message on the running call's own response stream (related to the call). */
export type AgentStreamWriter = (message: JSONRPCRequest | JSONRPCNotification) => Promise<void>

/** What became of one question to the agent. */
export type LegacyAnswer =
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'error'; message: string }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }

const waiting = new Map<string, (answer: LegacyAnswer) => void>()

/** Our ids carry this prefix and 128 random bits: an answer can only name a question it was sent. */
const QUESTION_ID_PREFIX = 'switchboard-'

function keyOf(sessionIdHash: string, id: string): string {
  return `${sessionIdHash}\u0000${id}`
}

const ResponseSchema = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: z.union([z.string(), z.number()]), result: z.record(z.string(), z.unknown()) }),
  z.object({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.string(), z.number(), z.null()]),
    error: z.object({ code: z.number(), message: z.string() }),
  }),
])

/** How often a waiting call looks for an answer another instance received. */
const ANSWER_POLL_MS = 500
/** A question's row outlives its wait by this much, so that a late write finds it and is refused as late. */
const QUESTION_ROW_GRACE_MS = 60_000

/** An answer as the question's row keeps it. */
const StoredAnswerSchema = z.union([z.object({ result: z.record(z.string(), z.unknown()) }), z.object({ error: z.string() })])

function fromStored(text: string): LegacyAnswer {
  let raw: unknown = null
  try {
    raw = JSON.parse(text)
  } catch {
    // Not ours: read as an error answer below.
  }
  const stored = StoredAnswerSchema.safeParse(raw)
  if (!stored.success) return { kind: 'error', message: 'unreadable answer' }
  return 'result' in stored.data ? { kind: 'result', result: stored.data.result } : { kind: 'error', message: stored.data.error }
}

/**
 * When `body` is a JSON-RPC response (a client's answer to a server request), hands it to the question of this
 * session it answers — waiting here, or on another instance through its row — and says it was a response (the
 * caller answers the POST 202); false for anything else, which is served as usual.
 */
export async function takeLegacyAnswer(sessionIdHash: string, body: unknown): Promise<boolean> {
  const parsed = ResponseSchema.safeParse(body)
  if (!parsed.success) return false
  const response = parsed.data
  const id = typeof response.id === 'string' && response.id.startsWith(QUESTION_ID_PREFIX) ? response.id : null
  const here = id ? waiting.get(keyOf(sessionIdHash, id)) : undefined
  if (here) {
    here('result' in response ? { kind: 'result', result: response.result } : { kind: 'error', message: response.error.message })
    return true
  }
  const stored = 'result' in response ? { result: response.result } : { error: response.error.message }
  const relayed = id ? await answerAgentQuestion(id, sessionIdHash, JSON.stringify(stored)) : false
  // An answer to no question of this session that waits: ignored. Ids, not values, in the log.
  if (!relayed) logger.debug({ session: sessionIdHash.slice(0, 12) }, 'agent answer for no waiting question ignored')
  return true
}

/**
 * Asks the agent of 2025 session `sessionIdHash` one question (`method`, `params`) on the call's stream and waits
 * for its answer: at most `waitMs`, and not past `signal` (the agent hung up or cancelled the call). A question
 * that ends unanswered is cancelled at the agent (`notifications/cancelled`, best effort: the stream may be gone).
 */
export async function askLegacyAgent(
  sessionIdHash: string,
  write: AgentStreamWriter,
  question: { method: string; params?: Record<string, unknown> },
  options: { waitMs: number; signal: AbortSignal },
): Promise<LegacyAnswer> {
  if (options.signal.aborted) return { kind: 'cancelled' }
  const id = `${QUESTION_ID_PREFIX}${randomBytes(16).toString('base64url')}`
  const key = keyOf(sessionIdHash, id)
  // The row first: an answer must find its question wherever it lands.
  await openAgentQuestion({ id, sessionIdHash, expiresAt: new Date(Date.now() + options.waitMs + QUESTION_ROW_GRACE_MS) })
  let settled = false
  let settle: (answer: LegacyAnswer) => void = () => {}
  const answered = new Promise<LegacyAnswer>((resolve) => {
    settle = (answer) => {
      if (settled) return
      settled = true
      resolve(answer)
    }
  })
  waiting.set(key, settle)
  const timer = setTimeout(() => settle({ kind: 'timeout' }), options.waitMs)
  const onAbort = () => settle({ kind: 'cancelled' })
  options.signal.addEventListener('abort', onAbort, { once: true })
  const lookElsewhere = async () => {
    while (!settled) {
      await delay(ANSWER_POLL_MS)
      if (settled) return
      const stored = await findAgentAnswer(id, sessionIdHash)
      if (stored !== null) settle(fromStored(stored))
    }
  }
  try {
    await write({ jsonrpc: '2.0', id, method: question.method, ...(question.params ? { params: legacyParams(question.method, question.params) } : {}) })
    lookElsewhere().catch((error: unknown) => {
      // Fails open to the wait's own end: an answer that reached this instance still arrives in memory.
      logger.warn({ err: error, session: sessionIdHash.slice(0, 12) }, 'looking for a relayed agent answer failed')
    })
    const answer = await answered
    if (answer.kind === 'timeout' || answer.kind === 'cancelled') {
      await write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'The question was not answered in time.' } }).catch(() => {})
    }
    return answer
  } catch {
    // The call's stream is gone (the agent hung up): no one can answer.
    return { kind: 'cancelled' }
  } finally {
    settle({ kind: 'cancelled' })
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onAbort)
    waiting.delete(key)
    await closeAgentQuestion(id).catch((error: unknown) => logger.warn({ err: error }, 'closing an agent question failed'))
  }
}

/**
 * A 2026 input request's params as a 2025 client reads them: form mode is the default there, and 2025-06-18
 * knows no `mode`; a URL elicitation needs the `elicitationId` of 2025-11-25, which the 2026 shape dropped.
 */
function legacyParams(method: string, params: Record<string, unknown>): Record<string, unknown> {
  if (method !== 'elicitation/create') return params
  if (params.mode === 'form') {
    const { mode: _mode, ...form } = params
    return form
  }
  if (params.mode === 'url' && params.elicitationId === undefined) return { ...params, elicitationId: randomUUID() }
  return params
}
