// Cancellation for 2025-revision agents (ADR 034). A 2025 client cancels a request with `notifications/cancelled` in
// a separate POST of its session, while the request's own POST stays open; the SDK serves each POST statelessly, so
// nothing would connect the two. The requests of 2025 sessions in flight on this instance are kept here by session
// and JSON-RPC id; the notification aborts the request's exchange, which cancels the upstream call as an agent that
// hangs up does (forwarding.server.ts). A notification that finds no such request here is kept in the database
// (AgentCancel) for the instance where the request runs (no sticky sessions): a request that runs longer than
// CANCEL_LOOK_AFTER_MS looks there every CANCEL_POLL_MS until it is answered. Short requests never look.
import { z } from 'zod'
import { storeAgentCancel, takeAgentCancel } from '#app/models/agent-cancel.server.ts'
import { logger } from '#app/utils/logger.server.ts'

const inflight = new Map<string, AbortController>()

type RequestId = string | number

function keyOf(sessionIdHash: string, id: RequestId): string {
  return `${sessionIdHash}\u0000${requestKeyOf(id)}`
}

const RequestSchema = z.object({ id: z.union([z.string(), z.number()]), method: z.string() })
const CancelledSchema = z.object({
  method: z.literal('notifications/cancelled'),
  params: z.object({ requestId: z.union([z.string(), z.number()]) }),
})

/** The JSON-RPC request id of a message that expects an answer, or null (notifications, responses, batches). */
export function requestIdOf(body: unknown): RequestId | null {
  const parsed = RequestSchema.safeParse(body)
  return parsed.success ? parsed.data.id : null
}

/** A request running this long starts looking for a cancellation another instance received, this often. */
const CANCEL_LOOK_AFTER_MS = 1_000
const CANCEL_POLL_MS = 1_000

/** The JSON-RPC id as kept in the database: its type and value ("number:3" and "string:3" are two ids). */
function requestKeyOf(id: RequestId): string {
  return `${typeof id}:${String(id)}`
}

/**
 * Keeps one request of a 2025 session cancellable until `untrack` is called: the returned signal aborts when the
 * session's client cancels it, through this instance or (looked for after CANCEL_LOOK_AFTER_MS) another one.
 */
export function trackLegacyRequest(sessionIdHash: string, id: RequestId): { signal: AbortSignal; untrack(): void } {
  const key = keyOf(sessionIdHash, id)
  const controller = new AbortController()
  inflight.set(key, controller)
  const started = new Date()
  let timer: NodeJS.Timeout | undefined
  const look = async () => {
    try {
      if (await takeAgentCancel(sessionIdHash, requestKeyOf(id), started)) {
        controller.abort()
        return
      }
    } catch (error) {
      // Fails open: the request runs on (to its answer or its timeout), as it did before cancellations were relayed.
      logger.warn({ err: error }, 'looking for a relayed cancellation failed')
    }
    if (!controller.signal.aborted && inflight.get(key) === controller) schedule(CANCEL_POLL_MS)
  }
  const schedule = (ms: number) => {
    timer = setTimeout(() => void look(), ms)
    timer.unref()
  }
  schedule(CANCEL_LOOK_AFTER_MS)
  return {
    signal: controller.signal,
    untrack: () => {
      clearTimeout(timer)
      if (inflight.get(key) === controller) inflight.delete(key)
    },
  }
}

/**
 * When `body` is a 2025 session's `notifications/cancelled`: cancels the request it names if it runs here, and
 * otherwise keeps the cancellation for the instance where it runs.
 */
export async function cancelLegacyRequest(sessionIdHash: string, body: unknown): Promise<void> {
  const parsed = CancelledSchema.safeParse(body)
  if (!parsed.success) return
  const { requestId } = parsed.data.params
  const key = keyOf(sessionIdHash, requestId)
  const here = inflight.get(key)
  if (here) {
    here.abort()
    inflight.delete(key)
    return
  }
  await storeAgentCancel(sessionIdHash, requestKeyOf(requestId)).catch((error: unknown) => {
    // Fails open: the request runs to its answer or its timeout, and the agent drops the answer.
    logger.warn({ err: error }, 'keeping a cancellation for another instance failed')
  })
}

/** `body`, calling `done` once when it has been read to its end or cancelled (an event stream ends late). */
export function onBodyEnd(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let called = false
  const finish = () => {
    if (called) return
    called = true
    done()
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: ended } = await reader.read()
        if (ended) {
          finish()
          controller.close()
        } else controller.enqueue(value)
      } catch (error) {
        finish()
        controller.error(error)
      }
    },
    cancel(reason) {
      finish()
      return reader.cancel(reason)
    },
  })
}
