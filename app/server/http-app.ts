import { randomBytes, randomUUID } from 'node:crypto'
import type http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
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

/**
 * The HTTP server's request listener. The gateway wing's paths (the workspace MCP endpoints and Switchboard's
 * authorization server) are answered before Express: agents post JSON without an Origin, so the browser rules do not
 * fit them (docs/decisions/032), and an agent's every tool call passes here (ADR 037). Everything else goes to the
 * express app: request ids, security headers, cross-site POST refusal, assets, then Remix.
 */
export function createHttpApp(env: Env, source: BuildSource): http.RequestListener {
  const app = createExpressApp(env, source)
  const gateway = gatewayHandler(source.build)
  return (req, res) => {
    if (!isGatewayPath(pathOf(req.url ?? '/'))) return void app(req, res)
    const { requestId } = startRequest(req, res, env)
    runWithRequestContext({ requestId }, () => void gateway(req, res, clientAddress(req, env.TRUST_PROXY_HOPS)))
  }
}

/** The path of a request target, as Express's `req.path` reads it (no decoding, no dot segments resolved). */
function pathOf(target: string): string {
  if (!target.startsWith('/')) return URL.canParse(target) ? new URL(target).pathname : target
  const query = target.indexOf('?')
  return query === -1 ? target : target.slice(0, query)
}

/**
 * What every request gets, whoever answers it: an id (X-Request-Id, and the logger's context), the security headers,
 * and one log line when it is answered.
 */
function startRequest(req: IncomingMessage, res: ServerResponse, env: Env): { requestId: string; nonce: string; defaults: Record<string, string> } {
  const requestId = randomUUID()
  const nonce = randomBytes(16).toString('base64')
  res.setHeader('X-Request-Id', requestId)
  const defaults = securityHeaders({ nonce, development: env.NODE_ENV === 'development' })
  for (const [name, value] of Object.entries(defaults)) res.setHeader(name, value)
  const started = process.hrtime.bigint()
  const path = req.url ?? '/'
  res.on('finish', () => {
    // One line per request at debug (LOG_LEVEL=debug shows them); a 5xx also at info, next to its error line.
    const level = res.statusCode >= 500 ? 'info' : 'debug'
    runWithRequestContext({ requestId }, () =>
      logger[level](
        { method: req.method, path: redactUrl(path), status: res.statusCode, durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n) },
        'request',
      ),
    )
  })
  return { requestId, nonce, defaults }
}

/**
 * The client's address: the socket's, or with TRUST_PROXY_HOPS = n the address n hops back in X-Forwarded-For —
 * what Express's `req.ip` gives with `trust proxy` set to that number (proxy-addr: each trusted hop may name the
 * one before it; a shorter chain ends at its first address).
 */
export function clientAddress(req: IncomingMessage, trustProxyHops: number): string {
  const socketAddress = req.socket.remoteAddress ?? 'unknown'
  if (trustProxyHops === 0) return socketAddress
  const header = req.headers['x-forwarded-for']
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean)
    .reverse()
  const chain = [socketAddress, ...forwarded]
  return chain[Math.min(trustProxyHops, chain.length - 1)] ?? socketAddress
}

function createExpressApp(env: Env, source: BuildSource): express.Express {
  const app = express()
  app.disable('x-powered-by')
  // Only trust X-Forwarded-For from as many proxies as the operator said there are.
  app.set('trust proxy', env.TRUST_PROXY_HOPS)

  app.use((req, res, next) => {
    const { requestId, nonce, defaults } = startRequest(req, res, env)
    res.locals.requestId = requestId
    res.locals.cspNonce = nonce
    // Remix appends a route's headers; a route that sets one of these (e.g. the OAuth callback's
    // Referrer-Policy: no-referrer) replaces the default instead of adding a second value.
    const singleValued = new Set(Object.keys(defaults).map((name) => name.toLowerCase()))
    const append = res.append.bind(res)
    res.append = (name: string, value?: string | string[]) =>
      singleValued.has(name.toLowerCase()) && value !== undefined ? res.setHeader(name, value) : append(name, value)
    const memo = req.method === 'GET' || req.method === 'HEAD' ? new Map<string, Promise<unknown>>() : undefined
    runWithRequestContext({ requestId, memo }, next)
  })

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
 * Hands a gateway path to the `gateway` the Remix build's entry module exports (app/entry.server.tsx), so that the
 * gateway runs in the app's own module graph (one Prisma client, one MCP session pool; in development, reloaded
 * with it).
 */
function gatewayHandler(source: BuildSource['build']) {
  return async (req: IncomingMessage, res: ServerResponse, clientIp: string): Promise<void> => {
    try {
      const build = typeof source === 'function' ? await source() : source
      const { gateway } = build.entry.module as { gateway?: GatewayModule }
      if (!gateway) throw new Error('The server build exports no gateway.')
      await gateway.handle(req, res, { clientIp })
    } catch (error) {
      logger.error({ err: error, method: req.method, path: redactUrl(req.url ?? '/') }, 'gateway request failed')
      if (res.headersSent) return void res.destroy()
      res.statusCode = 500
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.end('Switchboard could not answer this request.')
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
