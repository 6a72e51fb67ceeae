import { type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type NextFunction, type Request, type RequestHandler, type Response } from 'express'

// Small HTTP helpers shared by the OAuth test peers.

/**
 * Binds `server` to a free port on 127.0.0.1 and returns `http://127.0.0.1:<port>`.
 * URLs are built from the real port only after this resolves. Rejects when binding fails.
 */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('test peer: no TCP address')
  return `http://127.0.0.1:${address.port}`
}

/** Stops listening and drops open connections (keep-alive clients would otherwise keep close() waiting). */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}

/** Reports a bug in a peer loudly (tests fail on console.error) and answers 500 if it still can. */
export function reportPeerBug(peer: string, res: Response | ServerResponse, error: unknown) {
  console.error(`${peer}: unexpected error`, error)
  if (!res.headersSent) {
    res.writeHead(500, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ error: 'server_error', error_description: 'Unexpected error in the test peer' }))
  } else {
    res.end()
  }
}

/** Express 4 does not catch rejected promises from handlers: route them to `reportPeerBug`. */
export function asyncHandler(
  peer: string,
  handler: (req: Request, res: Response, next: NextFunction) => Promise<void>,
): RequestHandler {
  return (req, res, next) => {
    handler(req, res, next).catch((error: unknown) => reportPeerBug(peer, res, error))
  }
}

/** A `Bearer` challenge parameter value: RFC 7235 quoted-string, so `"` and `\` are escaped. */
export function quoteParam(value: string): string {
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`
}

/**
 * Serves a Node request with a web handler (an MCP handler's `fetch`): the body read whole, the connection's close
 * before the answer is done as the request's abort, the answer streamed as the handler writes it (an event stream's
 * headers flushed at once). `origin` gives the request URL its scheme and host.
 */
export async function serveWithWebHandler(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  handle: (request: globalThis.Request) => Promise<globalThis.Response>,
): Promise<void> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && name !== 'content-length' && name !== 'transfer-encoding') headers.set(name, value)
  }
  const controller = new AbortController()
  res.on('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  const request = new globalThis.Request(new URL(req.url ?? '/', origin), {
    method: req.method,
    headers,
    body: req.method === 'POST' ? Buffer.concat(chunks) : null,
    signal: controller.signal,
  })
  const response = await handle(request)
  res.writeHead(response.status, Object.fromEntries(response.headers))
  if (/text\/event-stream/i.test(response.headers.get('content-type') ?? '')) res.flushHeaders()
  if (!response.body) return void res.end()
  const reader = response.body.getReader()
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) res.write(next.value)
  } catch {
    // The client went away (a cancelled call).
  }
  res.end()
}
