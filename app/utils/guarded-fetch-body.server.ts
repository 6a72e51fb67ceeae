import { type Response as UndiciResponse } from 'undici'
import {
  GuardedFetchError,
  formatBytes,
  formatDuration,
  hostAndPort,
  rootCause,
} from '#app/utils/guarded-fetch-errors.server.ts'
import { type OutboundPolicy } from '#app/utils/guarded-fetch-policy.server.ts'

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

function isEventStream(response: UndiciResponse): boolean {
  return response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() === 'text/event-stream'
}

export type Exchange = {
  policy: OutboundPolicy
  url: URL
  controller: AbortController
  /** Detaches from the caller's signal; called once the exchange is over. */
  release: () => void
}

/**
 * Wraps the body with the size cap and the body timeouts: an idle limit between chunks for
 * event streams (they may stay open for hours), a total limit for everything else.
 */
function guardBody(source: NonNullable<UndiciResponse['body']>, eventStream: boolean, exchange: Exchange) {
  const { policy, url, controller: abortController, release } = exchange
  const where = hostAndPort(url)
  const maxBytes = eventStream ? policy.maxEventStreamBytes : policy.maxResponseBytes
  const reader = source.getReader()
  let received = 0
  let settled = false
  let timer: NodeJS.Timeout | undefined
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined

  const settle = () => {
    settled = true
    clearTimeout(timer)
    release()
  }
  const fail = (error: unknown) => {
    if (settled) return
    settle()
    streamController?.error(error)
    if (!abortController.signal.aborted) abortController.abort(error)
    reader.cancel(error).catch(() => {})
  }
  const arm = (ms: number, message: string) => {
    clearTimeout(timer)
    timer = setTimeout(() => fail(new GuardedFetchError('timeout', message)), ms)
    timer.unref()
  }
  // Re-arming on every chunk of an event stream: refresh() restarts the same timer (cheaper than a new one).
  const armIdle = () => {
    if (timer) timer.refresh()
    else {
      arm(
        policy.eventStreamIdleTimeoutMs,
        `The event stream from ${where} sent nothing for ${formatDuration(policy.eventStreamIdleTimeoutMs)}.`,
      )
    }
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      streamController = controller
      if (eventStream) armIdle()
      else {
        arm(
          policy.bodyTimeoutMs,
          `The response from ${where} took longer than ${formatDuration(policy.bodyTimeoutMs)} to arrive.`,
        )
      }
    },
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch (error) {
        const signal = abortController.signal
        if (signal.aborted) fail(signal.reason)
        else {
          const cause = rootCause(error)
          fail(
            cause instanceof GuardedFetchError
              ? cause
              : new GuardedFetchError(
                  'network',
                  `The connection to ${where} broke off before the response was complete.`,
                  cause instanceof Error ? { cause } : undefined,
                ),
          )
        }
        return
      }
      if (settled) return
      if (chunk.done) {
        settle()
        controller.close()
        return
      }
      received += chunk.value.byteLength
      if (received > maxBytes) {
        fail(new GuardedFetchError('too_large', `The response from ${where} is larger than ${formatBytes(maxBytes)}.`))
        return
      }
      if (eventStream) armIdle()
      controller.enqueue(chunk.value)
    },
    async cancel(reason) {
      if (settled) return
      settle()
      await reader.cancel(reason)
    },
  })
}

/** Turns undici's response into a global Response with a guarded body, and the url and redirected of a fetch. */
export async function finalResponse(
  response: UndiciResponse,
  redirected: boolean,
  exchange: Exchange,
): Promise<Response> {
  const { policy, url, release } = exchange
  // NOTE: undici passes on any three-digit status, but a Response can only be built for 200-599.
  if (response.status < 200 || response.status > 599) {
    release()
    await response.body?.cancel()
    throw new GuardedFetchError(
      'network',
      `${hostAndPort(url)} answered with an invalid HTTP status (${response.status}).`,
    )
  }
  const eventStream = isEventStream(response)
  const maxBytes = eventStream ? policy.maxEventStreamBytes : policy.maxResponseBytes
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > maxBytes) {
    release()
    await response.body?.cancel()
    throw new GuardedFetchError(
      'too_large',
      `The response from ${hostAndPort(url)} is ${formatBytes(declared)}, more than the ${formatBytes(
        maxBytes,
      )} allowed.`,
    )
  }
  let body: ReadableStream<Uint8Array> | null = null
  if (response.body && !NULL_BODY_STATUSES.has(response.status)) body = guardBody(response.body, eventStream, exchange)
  else {
    release()
    await response.body?.cancel()
  }
  const headers = new Headers()
  for (const [name, value] of response.headers) headers.append(name, value)
  const result = new Response(body, { status: response.status, statusText: response.statusText, headers })
  // A constructed Response has an empty url; the SDK and eventsource read url and redirected.
  Object.defineProperty(result, 'url', { value: url.href })
  Object.defineProperty(result, 'redirected', { value: redirected })
  return result
}
