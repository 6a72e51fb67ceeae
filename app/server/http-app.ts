import { randomBytes, randomUUID } from 'node:crypto'
import path from 'node:path'
import { type ServerBuild, createRequestHandler, writeReadableStreamToWritable } from '@remix-run/node'
import express from 'express'
import { bodyLimitFor, readActionBody, sendRefusal } from '#app/server/request-body.ts'
import { refusalAnswer } from '#app/server/refusal-page.ts'
import type { Env } from '#app/utils/env.server.ts'
import { type GatewayModule, isGatewayPath } from '#app/utils/gateway-paths.ts'
import { logger, redactUrl } from '#app/utils/logger.server.ts'
import { runWithRequestContext } from '#app/utils/request-context.server.ts'
import { checkRequestOrigin } from '#app/utils/request-origin.server.ts'
import { securityHeaders } from '#app/utils/security-headers.server.ts'

export type BuildSource = {
  /** The Remix server build (a function in development so that edits are picked up). */
  build: ServerBuild | (() => Promise<ServerBuild>)
  /** Vite's dev middleware, in development only. */
  viteMiddleware?: express.RequestHandler
  /** Folder of built client assets, in production only. */
  clientDir?: string
}

/** The express app: request ids, security headers, cross-site POST refusal, assets, then Remix. */
export function createHttpApp(env: Env, source: BuildSource): express.Express {
  const app = express()
  app.disable('x-powered-by')
  // Only trust X-Forwarded-For from as many proxies as the operator said there are.
  app.set('trust proxy', env.TRUST_PROXY_HOPS)

  app.use((req, res, next) => {
    const requestId = randomUUID()
    const nonce = randomBytes(16).toString('base64')
    res.locals.requestId = requestId
    res.locals.cspNonce = nonce
    res.setHeader('X-Request-Id', requestId)
    const defaults = securityHeaders({ nonce, development: env.NODE_ENV === 'development' })
    for (const [name, value] of Object.entries(defaults)) res.setHeader(name, value)
    // Remix appends a route's headers; a route that sets one of these (e.g. the OAuth callback's
    // Referrer-Policy: no-referrer) replaces the default instead of adding a second value.
    const singleValued = new Set(Object.keys(defaults).map((name) => name.toLowerCase()))
    const append = res.append.bind(res)
    res.append = (name: string, value?: string | string[]) =>
      singleValued.has(name.toLowerCase()) && value !== undefined ? res.setHeader(name, value) : append(name, value)
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      // One line per request at debug (LOG_LEVEL=debug shows them); a 5xx also at info, next to its error line.
      const level = res.statusCode >= 500 ? 'info' : 'debug'
      runWithRequestContext({ requestId }, () =>
        logger[level](
          {
            method: req.method,
            path: redactUrl(req.originalUrl),
            status: res.statusCode,
            durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
          },
          'request',
        ),
      )
    })
    const memo = req.method === 'GET' || req.method === 'HEAD' ? new Map<string, Promise<unknown>>() : undefined
    runWithRequestContext({ requestId, memo }, next)
  })

  // The workspace MCP endpoints and Switchboard's authorization server: agents post JSON without an Origin, so they
  // are answered before the browser rules below, by the gateway wing's own (docs/decisions/032).
  app.use(gatewayHandler(source.build))

  app.use((req, res, next) => {
    const verdict = checkRequestOrigin(
      req.method,
      { origin: req.get('origin') ?? null, referer: req.get('referer') ?? null },
      env.PUBLIC_URL,
    )
    if (verdict.ok) return next()
    logger.warn({ method: req.method, path: redactUrl(req.originalUrl) }, 'refused cross-site request')
    res.status(403).type('text/plain').send(verdict.message)
  })

  if (source.viteMiddleware) {
    app.use(source.viteMiddleware)
  } else if (source.clientDir) {
    // Fingerprinted by Vite: cache for a year.
    app.use('/assets', express.static(path.join(source.clientDir, 'assets'), { immutable: true, maxAge: '1y' }))
    app.use(express.static(source.clientDir, { maxAge: '1h', index: false }))
  }

  app.all('*', remixHandler(env, source.build))
  return app
}

/**
 * Hands gateway paths to the `gateway` the Remix build's entry module exports (app/entry.server.tsx), so that the
 * gateway runs in the app's own module graph (one Prisma client, one MCP session pool; in development, reloaded
 * with it). Every other request goes on.
 */
function gatewayHandler(source: BuildSource['build']): express.RequestHandler {
  return async (req, res, next) => {
    if (!isGatewayPath(req.path)) return next()
    try {
      const build = typeof source === 'function' ? await source() : source
      const { gateway } = build.entry.module as { gateway?: GatewayModule }
      if (!gateway) return next()
      await gateway.handle(req, res, { clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown' })
    } catch (error) {
      next(error)
    }
  }
}

/**
 * Remix behind express (what @remix-run/express does), with the body read first (app/server/request-body.ts):
 * capped, forms only, refused with a page of its own before any route runs. Remix gets the body as a buffer,
 * never the socket.
 */
function remixHandler(env: Env, source: BuildSource['build']): express.RequestHandler {
  const handleRequest = createRequestHandler(source, env.NODE_ENV)
  return async (req, res, next) => {
    try {
      const limitBytes = bodyLimitFor(req.path, env.MAX_REQUEST_BODY_BYTES)
      const read = await readActionBody(req, limitBytes)
      if (read.kind === 'gone') return
      if (read.kind === 'refused') {
        const { status } = read.refusal
        const details = { method: req.method, path: redactUrl(req.originalUrl), status, ...(status === 413 ? { limitBytes } : {}) }
        logger.warn(details, 'refused request body')
        const build = typeof source === 'function' ? await source() : source
        sendRefusal(req, res, refusalAnswer(read.refusal, { pathname: req.path, referer: req.get('referer'), publicUrl: env.PUBLIC_URL, build }))
        return
      }
      const response = await handleRequest(remixRequest(req, res, read.body), {
        clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        cspNonce: String(res.locals.cspNonce),
        requestId: String(res.locals.requestId),
      })
      await sendRemixResponse(res, response)
    } catch (error) {
      next(error)
    }
  }
}

/** The express adapter's createRemixRequest (not exported by @remix-run/express), with the body already read. */
function remixRequest(req: express.Request, res: express.Response, body: Buffer<ArrayBuffer> | null): Request {
  // req.hostname has no port: take it from X-Forwarded-Host or Host, as the adapter does.
  const portOf = (host: string | undefined) => Number.parseInt(host?.split(':')[1] ?? '', 10)
  const forwardedPort = portOf(req.get('X-Forwarded-Host'))
  const hostPort = portOf(req.get('host'))
  const port = Number.isSafeInteger(forwardedPort) ? forwardedPort : Number.isSafeInteger(hostPort) ? hostPort : null
  const url = new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ''}${req.originalUrl}`)
  // Abort loaders and actions once the response can no longer be written ('close' without 'finish').
  const controller = new AbortController()
  let finished = false
  res.on('finish', () => (finished = true))
  res.on('close', () => {
    if (!finished) controller.abort()
  })
  const headers = new Headers()
  for (const [name, values] of Object.entries(req.headers)) {
    // The body is whole now, whatever framing it came in.
    if (values === undefined || name === 'transfer-encoding') continue
    for (const value of Array.isArray(values) ? values : [values]) headers.append(name, value)
  }
  if (body) headers.set('content-length', String(body.length))
  return new Request(url.href, { method: req.method, headers, signal: controller.signal, body })
}

/** The express adapter's sendRemixResponse (not exported either). */
async function sendRemixResponse(res: express.Response, response: Response) {
  res.statusMessage = response.statusText
  res.status(response.status)
  // Each Set-Cookie comes separately from entries(); append keeps them all.
  for (const [name, value] of response.headers.entries()) res.append(name, value)
  if (/text\/event-stream/i.test(response.headers.get('Content-Type') ?? '')) res.flushHeaders()
  if (response.body) await writeReadableStreamToWritable(response.body, res)
  else res.end()
}
