import type { IncomingMessage, ServerResponse } from 'node:http'
import { readCapped } from '#app/utils/read-capped-body.server.ts'
import { formatBytes } from '#app/utils/guarded-fetch-errors.server.ts'

/**
 * The body of a form submission, read here before Remix sees the request: capped by Content-Length and while
 * it streams, and refused when it is not a form. Remix's `request.formData()` would otherwise buffer any
 * body whole (150 MB POSTs to /login grew the process by gigabytes) and turn a JSON body into a 500.
 * See docs/decisions/011-request-bodies.md.
 */

/** Tool runs carry arguments that can be long (raw JSON up to MAX_RAW_JSON_CHARS, percent-encoded): they get this many times the form limit. */
export const TOOL_RUN_BODY_FACTOR = 4

/**
 * After refusing a body that is still arriving, how long what the client keeps sending is read and dropped
 * before the connection closes. Closing at once would reset the connection with unread data in it, and a
 * reset can destroy the answer before the browser reads it; nothing is kept, so memory does not grow.
 */
export const REFUSED_BODY_LINGER_MS = 2_000

/** Methods whose body Remix hands to an action; other methods' bodies are never read. */
const ACTION_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** What browsers send for a form: Remix's own JS submissions use the urlencoded form too. */
const FORM_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data'])

// /w/:workspaceId/servers/:serverId/tools/:toolName, its single-fetch twin ending in .data, and
// the streamed run with JavaScript (…/run).
const TOOL_RUN_PATH = /^\/w\/[^/]+\/servers\/[^/]+\/tools\/[^/]+(\/run)?$/

export type BodyRefusal = { status: 400 | 413 | 415; title: string; message: string }

export type BodyRead =
  /** Hand this body to Remix (null: the method carries none). */
  | { kind: 'body'; body: Buffer<ArrayBuffer> | null }
  | { kind: 'refused'; refusal: BodyRefusal; limitBytes: number }
  /** The client went away before it finished sending: nobody is left to answer. */
  | { kind: 'gone' }

/** True for Remix single-fetch requests (`/path.data`), which expect a turbo-stream answer rather than a page. */
export function isDataRequest(pathname: string): boolean {
  return pathname.endsWith('.data')
}

/** The body limit for a path: `formLimitBytes`, or TOOL_RUN_BODY_FACTOR times it for a tool run. */
export function bodyLimitFor(pathname: string, formLimitBytes: number): number {
  const routePath = isDataRequest(pathname) ? pathname.slice(0, -'.data'.length) : pathname
  return TOOL_RUN_PATH.test(routePath) ? formLimitBytes * TOOL_RUN_BODY_FACTOR : formLimitBytes
}


function tooLarge(limitBytes: number): BodyRefusal {
  return {
    status: 413,
    title: 'The form is too large',
    message: `Switchboard accepts at most ${formatBytes(limitBytes)} here. Go back, shorten the longest fields and send the form again.`,
  }
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/**
 * Whether a client that asked before sending its body (`Expect: 100-continue`) should be told to go on: only when
 * the body would be read. Otherwise it gets its refusal before it sends a byte.
 */
export function shouldContinue(req: IncomingMessage, formLimitBytes: number): boolean {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname
  return (
    ACTION_METHODS.has(req.method ?? '') &&
    FORM_MEDIA_TYPES.has(mediaTypeOf(req.headers['content-type'])) &&
    !(Number(req.headers['content-length']) > bodyLimitFor(pathname, formLimitBytes))
  )
}

/**
 * Reads an action's body for Remix, at most `limitBytes`. Refuses (without reading further) a declared or
 * streamed body over the limit (413), a body that is not a form (415), and a multipart body that does not parse (400).
 */
export async function readActionBody(req: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  if (!ACTION_METHODS.has(req.method ?? '')) return { kind: 'body', body: null }
  const mediaType = mediaTypeOf(req.headers['content-type'])
  if (!FORM_MEDIA_TYPES.has(mediaType)) {
    return {
      kind: 'refused',
      limitBytes,
      refusal: {
        status: 415,
        title: 'This was not a form',
        message:
          'Switchboard takes form submissions only (application/x-www-form-urlencoded or multipart/form-data). Go back and send the form from its page.',
      },
    }
  }
  // Node has already refused a malformed Content-Length (400 before any handler runs); none is NaN.
  if (Number(req.headers['content-length']) > limitBytes) return { kind: 'refused', limitBytes, refusal: tooLarge(limitBytes) }

  const body = await readCapped(req, limitBytes)
  if (body === 'gone') return { kind: 'gone' }
  if (body === 'too-large') return { kind: 'refused', limitBytes, refusal: tooLarge(limitBytes) }
  if (mediaType === 'multipart/form-data' && !(await parsesAsForm(body, req.headers['content-type'] ?? ''))) {
    return {
      kind: 'refused',
      limitBytes,
      refusal: { status: 400, title: 'The form could not be read', message: 'The form data was malformed. Go back and send the form again from its page.' },
    }
  }
  return { kind: 'body', body }
}

async function parsesAsForm(body: Buffer<ArrayBuffer>, contentType: string): Promise<boolean> {
  try {
    await new Response(body, { headers: { 'Content-Type': contentType } }).formData()
    return true
  } catch {
    return false
  }
}

/**
 * Sends a refusal and, when the body is still arriving, closes the connection without keeping what arrives:
 * the answer goes out whole (Content-Length), then the rest of the body is read and dropped until it ends or
 * REFUSED_BODY_LINGER_MS pass, and only then does the connection close (Connection: close).
 */
export function sendRefusal(req: IncomingMessage, res: ServerResponse, answer: { status: number; contentType: string; body: string }) {
  const body = Buffer.from(answer.body)
  res.statusCode = answer.status
  res.setHeader('Content-Type', answer.contentType)
  res.setHeader('Content-Length', body.length)
  if (req.complete) {
    res.end(body)
    return
  }
  res.setHeader('Connection', 'close')
  res.write(body)
  const close = () => {
    clearTimeout(timer)
    if (!res.writableEnded) res.end()
  }
  const timer = setTimeout(close, REFUSED_BODY_LINGER_MS)
  res.once('close', () => clearTimeout(timer))
  req.once('end', close)
  req.on('data', dropChunk)
  req.resume()
}

function dropChunk() {}
