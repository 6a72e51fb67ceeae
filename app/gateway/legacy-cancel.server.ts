// Cancellation for 2025-revision agents (ADR 034). A 2025 client cancels a request with `notifications/cancelled` in
// a separate POST of its session, while the request's own POST stays open; the SDK serves each POST statelessly, so
// nothing would connect the two. The requests of 2025 sessions in flight on this instance are kept here by session
// and JSON-RPC id; the notification aborts the request's exchange, which cancels the upstream call as an agent that
// hangs up does (forwarding.server.ts). A notification that reaches another instance than its request finds nothing
// there: the call then runs to its end, and its answer is dropped by the agent.
import { z } from 'zod'

const inflight = new Map<string, AbortController>()

type RequestId = string | number

function keyOf(sessionIdHash: string, id: RequestId): string {
  return `${sessionIdHash}\u0000${typeof id}\u0000${String(id)}`
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

/**
 * Keeps one request of a 2025 session cancellable until `untrack` is called: the returned signal aborts when the
 * session's client cancels it.
 */
export function trackLegacyRequest(sessionIdHash: string, id: RequestId): { signal: AbortSignal; untrack(): void } {
  const key = keyOf(sessionIdHash, id)
  const controller = new AbortController()
  inflight.set(key, controller)
  return {
    signal: controller.signal,
    untrack: () => {
      if (inflight.get(key) === controller) inflight.delete(key)
    },
  }
}

/** When `body` is a 2025 session's `notifications/cancelled`: cancels the request it names, if it runs here. */
export function cancelLegacyRequest(sessionIdHash: string, body: unknown): void {
  const parsed = CancelledSchema.safeParse(body)
  if (!parsed.success) return
  const key = keyOf(sessionIdHash, parsed.data.params.requestId)
  inflight.get(key)?.abort()
  inflight.delete(key)
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
