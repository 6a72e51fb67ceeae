import { type Server, type ServerResponse } from 'node:http'
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
