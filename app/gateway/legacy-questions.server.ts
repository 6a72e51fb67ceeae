// The upstream's questions for 2025-revision agents (ADR 035): an elicitation, sampling or roots request of the
// upstream during a tools/call goes to a 2025 session's client the 2025 way — a JSON-RPC request from server to
// client on the call's own SSE response stream — and the client POSTs its answer to the session endpoint as a
// separate request, which the SDK serves statelessly, so nothing would connect the two. The questions waiting on
// this instance are kept here by session and by an id we mint for each; serveAgentRequest hands every JSON-RPC
// response a session POSTs to `takeLegacyAnswer` and answers that POST 202. An answer is taken only from the same
// session (its id hash, bound to the grant when the session was found) and only for an id we issued and are still
// waiting for; anything else is ignored (still 202: JSON-RPC has no answer to an answer). An answer that reaches
// another instance than its question finds nothing there: the question then runs out its wait.
import { randomBytes, randomUUID } from 'node:crypto'
import type { JSONRPCNotification, JSONRPCRequest } from '@modelcontextprotocol/server'
import { z } from 'zod'
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

/**
 * When `body` is a JSON-RPC response (a client's answer to a server request), resolves the question of this
 * session it answers, if one waits here, and says it was a response (the caller answers the POST 202); false for
 * anything else, which is served as usual.
 */
export function takeLegacyAnswer(sessionIdHash: string, body: unknown): boolean {
  const parsed = ResponseSchema.safeParse(body)
  if (!parsed.success) return false
  const response = parsed.data
  const resolve = typeof response.id === 'string' ? waiting.get(keyOf(sessionIdHash, response.id)) : undefined
  if (!resolve) {
    // An answer to no question of this session waiting here: ignored. Ids, not values, in the log.
    logger.debug({ session: sessionIdHash.slice(0, 12) }, 'agent answer for no waiting question ignored')
    return true
  }
  resolve('result' in response ? { kind: 'result', result: response.result } : { kind: 'error', message: response.error.message })
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
  let settle: (answer: LegacyAnswer) => void = () => {}
  const answered = new Promise<LegacyAnswer>((resolve) => {
    settle = resolve
  })
  waiting.set(key, settle)
  const timer = setTimeout(() => settle({ kind: 'timeout' }), options.waitMs)
  const onAbort = () => settle({ kind: 'cancelled' })
  options.signal.addEventListener('abort', onAbort, { once: true })
  try {
    await write({ jsonrpc: '2.0', id, method: question.method, ...(question.params ? { params: legacyParams(question.method, question.params) } : {}) })
    const answer = await answered
    if (answer.kind === 'timeout' || answer.kind === 'cancelled') {
      await write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'The question was not answered in time.' } }).catch(() => {})
    }
    return answer
  } catch {
    // The call's stream is gone (the agent hung up): no one can answer.
    return { kind: 'cancelled' }
  } finally {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onAbort)
    waiting.delete(key)
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
