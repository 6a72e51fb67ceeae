import http from 'node:http'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { type BuildSource, createHttpApp } from '#app/server/http-app.ts'
import { shouldContinue } from '#app/server/request-body.ts'
import { startupBanner } from '#app/server/startup-banner.ts'
import { ConfigError, parseEnv } from '#app/utils/env.server.ts'
import { startHousekeeping } from '#app/utils/housekeeping.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { migrateDatabase } from '#app/utils/migrate.server.ts'

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000

async function loadBuild(env: ReturnType<typeof parseEnv>): Promise<BuildSource> {
  if (env.NODE_ENV === 'development') {
    const vite = await import('vite')
    const devServer = await vite.createServer({ server: { middlewareMode: true }, appType: 'custom' })
    return {
      viteMiddleware: devServer.middlewares,
      build: async () => {
        const build: unknown = await devServer.ssrLoadModule('virtual:remix/server-build')
        // NOTE: Vite returns the module namespace untyped; it is Remix's server build.
        return build as ServerBuild
      },
    }
  }
  const buildDir = path.resolve('build')
  const build: ServerBuild = await import(path.join(buildDir, 'server', 'index.js'))
  return { build, clientDir: path.join(buildDir, 'client') }
}

async function main() {
  const env = parseEnv()
  for (const name of env.generatedSecrets) {
    logger.warn({ secret: name, file: path.join(env.DATA_DIR, 'dev-secrets.json') }, 'generated a development secret')
  }
  const { applied } = await migrateDatabase(env.DATABASE_URL, { log: (message) => logger.info(message) })
  if (applied.length > 0) logger.info({ applied }, 'applied database migrations')

  const app = createHttpApp(env, await loadBuild(env))
  const server = http.createServer(app)
  // A client that asks first (Expect: 100-continue, as curl does for large bodies) hears of a refusal before it sends.
  server.on('checkContinue', (req, res) => {
    if (shouldContinue(req, env.MAX_REQUEST_BODY_BYTES)) res.writeContinue()
    app(req, res)
  })
  // Slowloris guard and a ceiling on a request's headers+body time.
  server.headersTimeout = 20_000
  server.requestTimeout = 60_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(env.PORT, env.HOST, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : env.PORT
  logger.info({ url: `http://${env.HOST}:${port}`, publicUrl: env.PUBLIC_URL, mode: env.NODE_ENV }, 'Switchboard is listening')
  // In development the URL to open must not hide in a log line (issue 11, point 14).
  if (env.NODE_ENV === 'development') process.stdout.write(startupBanner(env.PUBLIC_URL))
  const stopHousekeeping = startHousekeeping()

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    stopHousekeeping()
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight')
    server.close(() => {
      logger.info('stopped')
      process.exit(0)
    })
    server.closeIdleConnections()
    setTimeout(() => {
      logger.warn('requests still running after the grace period; exiting')
      process.exit(1)
    }, SHUTDOWN_GRACE_MS).unref()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason }, 'unhandled promise rejection')
})

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    // A person reads this at start-up: plain text, no stack.
    process.stderr.write(`${error.message}\n`)
  } else {
    logger.fatal({ err: error }, 'failed to start')
  }
  process.exit(1)
})
