import { PassThrough, Transform } from 'node:stream'
import type { AppLoadContext, EntryContext, HandleErrorFunction } from '@remix-run/node'
import { createReadableStreamFromReadable } from '@remix-run/node'
import { RemixServer, isRouteErrorResponse } from '@remix-run/react'
import { isbot } from 'isbot'
import { renderToPipeableStream } from 'react-dom/server'
import { ERROR_TITLE_PREFIX, failedSubmissionMessages } from '#app/components/form-errors.tsx'
import { NonceProvider } from '#app/components/nonce.tsx'
import { logger, redactUrl } from '#app/utils/logger.server.ts'
import '#app/utils/load-context.server.ts'

/** The workspace MCP endpoints and authorization server, for the HTTP server (app/server/http-app.ts), before Express. */
export { gateway } from '#app/gateway/http.server.ts'

/** How long a streamed render may take before it is aborted. */
export const streamTimeout = 5_000

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // Bots and no-JS clients get the whole document at once; browsers get it streamed.
  const waitForAll = isbot(request.headers.get('user-agent') ?? '')
  const nonce = loadContext?.cspNonce ?? ''
  const failed = Object.values(remixContext.staticHandlerContext.actionData ?? {}).some((data) => failedSubmissionMessages(data))
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} />
      </NonceProvider>,
      {
        nonce,
        [waitForAll ? 'onAllReady' : 'onShellReady']() {
          shellRendered = true
          const body = new PassThrough()
          responseHeaders.set('Content-Type', 'text/html; charset=utf-8')
          resolve(
            new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }),
          )
          // A failed form submission says so in the title (what a screen reader reads first on the new page).
          if (failed) pipe(errorTitle()).pipe(body)
          else pipe(body)
        },
        onShellError(error: unknown) {
          reject(error)
        },
        onError(error: unknown) {
          responseStatusCode = 500
          // Errors after the shell are logged here; earlier ones reach handleError.
          if (shellRendered) logger.error({ err: error }, 'error while streaming a page')
        },
      },
    )
    setTimeout(abort, streamTimeout + 1_000)
  })
}

/**
 * Prefixes the document's title with "Error: " (the page has no say in it: a meta function sees no action data).
 * The marker attribute lets entry.client.tsx take the prefix off before React hydrates the title it rendered.
 */
function errorTitle(): Transform {
  let done = false
  let carry = ''
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (done) return callback(null, chunk)
      const text = carry + chunk.toString('utf8')
      const at = text.indexOf('<title>')
      if (at === -1) {
        // Keep a tail that could be the start of a tag split across chunks.
        carry = text.slice(-6)
        return callback(null, text.slice(0, -6))
      }
      done = true
      callback(null, `${text.slice(0, at)}<title data-form-error="">${ERROR_TITLE_PREFIX}${text.slice(at + 7)}`)
    },
    flush(callback) {
      callback(null, done ? '' : carry)
    },
  })
}

/** Logs unexpected errors once (with the request id from the logger's context); never their request's secrets. */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return
  // Thrown Responses are expected outcomes (404, 403), not errors; so are the router's own answers to an
  // unknown path (404) or a method a route does not take (405): the request log line records those.
  if (error instanceof Response) return
  if (isRouteErrorResponse(error) && error.status < 500) return
  logger.error({ err: error, method: request.method, path: redactUrl(new URL(request.url).pathname) }, 'unhandled error')
}
