import { randomBytes, randomUUID } from 'node:crypto'
import path from 'node:path'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import express from 'express'
import type { Env } from '#app/utils/env.server.ts'
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
      runWithRequestContext({ requestId }, () =>
        logger.info(
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
    runWithRequestContext({ requestId }, next)
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

  app.all(
    '*',
    createRequestHandler({
      build: source.build,
      mode: env.NODE_ENV,
      getLoadContext: (req, res) => ({
        clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        cspNonce: String(res.locals.cspNonce),
        requestId: String(res.locals.requestId),
      }),
    }),
  )
  return app
}
