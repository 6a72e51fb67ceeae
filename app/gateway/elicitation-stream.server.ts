// The GET stream of a 2025 agent session (ADR 034): the one place `notifications/elicitation/complete` can reach a
// 2025 agent, since its tools/call requests are served statelessly and end with the -32042 error. Any instance
// serves it from the database: it looks for the session's elicitations that the person completed in the browser
// and sends each once (claimed by `notifiedAt`).
import { claimCompletedElicitations, hasOpenElicitations } from '#app/models/agent-elicitation.server.ts'
import { findAgentSessionByHash } from '#app/models/agent-session.server.ts'
import { logger } from '#app/utils/logger.server.ts'

/** How often the stream looks while the session has elicitations open, and otherwise. */
const BUSY_POLL_MS = 1_000
const IDLE_POLL_MS = 10_000
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000
/** A stream ends after this long; the client opens another (it may land on another instance). */
const MAX_STREAM_MS = 10 * 60 * 1000

/** This instance's open streams by session, to wake at once when an elicitation is sent on their session. */
const sleepers = new Map<string, Set<() => void>>()

/**
 * A URL elicitation was just sent on session `sessionIdHash`: its streams on this instance start looking often
 * now (on another instance within IDLE_POLL_MS).
 */
export function wakeElicitationStreams(sessionIdHash: string): void {
  for (const wake of sleepers.get(sessionIdHash) ?? []) wake()
}

/** The session's event stream, until the client goes away, the session ends, or MAX_STREAM_MS. */
export function elicitationStream(sessionIdHash: string, signal: AbortSignal): Response {
  const encoder = new TextEncoder()
  let stopped = signal.aborted
  const wake = { resolve: () => {} }
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const started = Date.now()
      let lastWrite = Date.now()
      const write = (text: string) => {
        controller.enqueue(encoder.encode(text))
        lastWrite = Date.now()
      }
      const onAbort = () => {
        stopped = true
        wake.resolve()
      }
      signal.addEventListener('abort', onAbort, { once: true })
      const sleeping = sleepers.get(sessionIdHash) ?? new Set<() => void>()
      const wakeUp = () => wake.resolve()
      sleeping.add(wakeUp)
      sleepers.set(sessionIdHash, sleeping)
      try {
        write(': switchboard\n\n')
        while (!stopped && Date.now() - started < MAX_STREAM_MS) {
          if (!(await findAgentSessionByHash(sessionIdHash))) break
          for (const elicitationId of await claimCompletedElicitations(sessionIdHash)) {
            const message = { jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId } }
            write(`event: message\ndata: ${JSON.stringify(message)}\n\n`)
          }
          if (Date.now() - lastWrite >= KEEP_ALIVE_MS) write(': keep-alive\n\n')
          const wait = (await hasOpenElicitations(sessionIdHash)) ? BUSY_POLL_MS : IDLE_POLL_MS
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait)
            timer.unref()
            wake.resolve = () => {
              clearTimeout(timer)
              resolve()
            }
          })
        }
      } catch (error) {
        if (!stopped) logger.warn({ err: error }, 'agent elicitation stream failed')
      } finally {
        signal.removeEventListener('abort', onAbort)
        sleeping.delete(wakeUp)
        if (sleeping.size === 0) sleepers.delete(sessionIdHash)
        try {
          controller.close()
        } catch {
          // Already cancelled by the client.
        }
      }
    },
    cancel() {
      stopped = true
      wake.resolve()
    },
  })
  return new Response(body, {
    status: 200,
    headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' },
  })
}
