import { afterAll, beforeAll, expect, test } from 'vitest'
import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { loader as healthLoader } from '#app/routes/healthz.ts'
import { loader as serverPageLoader } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { connectionRow } from '#tests/faults/fault-checks.ts'
import { holdSqliteWriteLock, terminateAppConnections } from '#tests/faults/database-faults.ts'
import { type Account, resultTextOf, runEchoThroughRoute } from '#tests/faults/fault-routes.ts'
import { type PeerProxy, autoApprove, connectThroughRoutes, finishCallbackRoute, startConnectRoute, startPeerProxy } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { getRequest, loadContext, settle, statusOf, createTestAccount } from '#tests/utils.ts'

// The fault suite, database half: PostgreSQL ending the app's connections (a failover, an
// operator's pg_terminate_backend) and another process holding SQLite's write lock. Each
// database project runs the cases of its own database.

let peer: SdkAuthServer
let proxy: PeerProxy
let account: Account

beforeAll(async () => {
  account = await createTestAccount('Database fault finder')
  peer = await startSdkAuthServer()
  proxy = await startPeerProxy(new URL(peer.mcpUrl).origin)
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await proxy?.close()
  await peer?.close()
})

/** An OAuth server on the peer (through the switchable proxy), connected through the real routes. */
async function connectedServer(options: { expired?: boolean } = {}) {
  const { user, cookie } = account
  const created = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: `DB ${Math.random().toString(36).slice(2, 10)}`, url: proxy.rewrite(peer.mcpUrl), authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
    select: { id: true },
  })
  await connectThroughRoutes({ workspaceId: user.workspaceId, serverId: created.id, cookie })
  if (options.expired) await getDb().oAuthConnection.updateMany({ where: { serverId: created.id }, data: { expiresAt: new Date(Date.now() - 1000) } })
  return { workspaceId: user.workspaceId, serverId: created.id, server: await requireServer(user.workspaceId, created.id) }
}

/** A Connect started (flow stored) and approved at the peer: the callback URL the browser comes back to. */
async function approvedCallback(target: { workspaceId: string; serverId: string }) {
  const started = await startConnectRoute(target.workspaceId, target.serverId, account.cookie)
  expect(started.status).toBe(302)
  return autoApprove(started.location)
}

function serverPage(target: { workspaceId: string; serverId: string }) {
  return settle(() =>
    serverPageLoader({ request: getRequest(`/w/${target.workspaceId}/servers/${target.serverId}`, account.cookie), params: target, context: loadContext() }),
  )
}

/** The refresh token stored now is the live one at the peer, and the connection is usable. */
async function tokensLive(serverId: string) {
  const stored = await getConnectionWithTokens(serverId, account.user.id)
  expect(stored?.status).toBe('connected')
  expect(peer.stats.validRefreshTokens.has(stored?.refreshToken ?? '')).toBe(true)
}

const databaseUrl = () => process.env.DATABASE_URL ?? ''

const postgresqlCases = [
  {
    name: 'PostgreSQL ending every connection of the app between requests: the next requests reconnect and succeed, and a Connect started before finishes',
    async run() {
      const target = await connectedServer()
      const callbackUrl = await approvedCallback(target)
      // Several pooled connections, all idle, all about to be ended.
      await Promise.all([healthLoader(), serverPage(target), healthLoader(), serverPage(target)])
      expect(await terminateAppConnections(databaseUrl())).toBeGreaterThan(0)

      // Right away: each request succeeds on a new connection, or fails as a database error (the
      // health check says 503; a page throws, which Remix shows as its generic error page).
      const [health, page] = await Promise.allSettled([healthLoader(), serverPage(target)])
      expect(health.status === 'fulfilled' ? health.value.status : 'threw').toSatisfy((status) => status === 200 || status === 503)
      if (page.status === 'fulfilled') expect(statusOf(page.value)).toBe(200)
      else expect(page.reason).toBeInstanceOf(Error)
      // Later (the pool has seen its connections end): everything works.
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await healthLoader()).status).toBe(200)
      expect(statusOf(await serverPage(target))).toBe(200)
      const finished = await finishCallbackRoute(callbackUrl, account.cookie)
      expect(finished).toMatchObject({ status: 302, location: `/w/${target.workspaceId}/servers/${target.serverId}` })
      await tokensLive(target.serverId)
      const call = await runEchoThroughRoute(account, target, 'after the failover')
      expect(resultTextOf(call.data)).toBe('after the failover')
    },
  },
  {
    name: 'PostgreSQL ending the app’s connections while a refresh is at the authorization server: the new tokens are stored over a new connection and nothing is lost',
    async run() {
      const target = await connectedServer({ expired: true })
      const before = await connectionRow(target.serverId, account.user.id)
      const reuseBefore = peer.stats.refreshTokenReuse
      proxy.fail({ path: '/token', mode: 'hold', bodyContains: 'grant_type=refresh_token', times: 1 })
      try {
        const call = callServerTool(account.user.id, target.server, 'echo', { message: 'refreshed meanwhile' })
        await proxy.waitForHeld()
        expect(await terminateAppConnections(databaseUrl())).toBeGreaterThan(0)
        proxy.release()
        const outcome = await call
        expect(outcome.ok ? outcome.value.result : outcome.failure).toMatchObject({ content: [{ type: 'text', text: 'refreshed meanwhile' }] })
      } finally {
        proxy.recover()
      }
      expect(peer.stats.refreshTokenReuse, 'the spent refresh token was sent again').toBe(reuseBefore)
      const after = await connectionRow(target.serverId, account.user.id)
      expect(after).toMatchObject({ status: 'connected', generation: (before?.generation ?? 0) + 1, refreshLeaseUntil: null })
      await tokensLive(target.serverId)
    },
  },
]

const sqliteFile = () => databaseUrl().replace(/^file:/, '')

const sqliteCases = [
  {
    name: 'SQLite locked by another connection for a moment: reads go on, a write waits for the lock (busy timeout) and succeeds once it is let go',
    async run() {
      const target = await connectedServer({ expired: true })
      const before = await connectionRow(target.serverId, account.user.id)
      const lock = holdSqliteWriteLock(sqliteFile(), 500)
      await lock.locked
      // WAL: readers are not blocked by a writer.
      expect((await healthLoader()).status).toBe(200)
      // The refresh writes (lease, tokens) while the lock is held.
      const call = await runEchoThroughRoute(account, target, 'written after the lock')
      await lock.released
      expect(call.status).toBe(200)
      expect(resultTextOf(call.data)).toBe('written after the lock')
      expect(await connectionRow(target.serverId, account.user.id)).toMatchObject({ generation: (before?.generation ?? 0) + 1, refreshLeaseUntil: null })
      await tokensLive(target.serverId)
    },
  },
  {
    name: 'SQLite locked for longer than the busy timeout: the callback fails with an error (the generic error page), nothing is used up or lost, and the same callback works once the lock is let go',
    async run() {
      const target = await connectedServer()
      const before = await connectionRow(target.serverId, account.user.id)
      const callbackUrl = await approvedCallback(target)
      const exchangesBefore = peer.stats.tokenRequests.authorization_code ?? 0
      const lock = holdSqliteWriteLock(sqliteFile())
      await lock.locked
      let failure: unknown = null
      try {
        await finishCallbackRoute(callbackUrl, account.cookie)
      } catch (error) {
        failure = error
      } finally {
        lock.release()
        await lock.released
      }
      // Not a Response: Remix logs it once and shows "An unexpected error happened. It has been logged; please try again."
      expect(failure).toBeInstanceOf(Error)
      expect(failure instanceof Response).toBe(false)
      // Prisma's words for SQLITE_BUSY after the busy timeout.
      expect(String(failure instanceof Error ? failure.message : failure)).toMatch(/timed out|locked|busy/i)
      // The code never reached the authorization server, and the old tokens are untouched.
      expect(peer.stats.tokenRequests.authorization_code ?? 0).toBe(exchangesBefore)
      expect(await connectionRow(target.serverId, account.user.id)).toEqual(before)
      expect((await healthLoader()).status).toBe(200)

      // Reloading the page after the lock is gone completes the sign-in.
      const finished = await finishCallbackRoute(callbackUrl, account.cookie)
      expect(finished).toMatchObject({ status: 302, location: `/w/${target.workspaceId}/servers/${target.serverId}` })
      await tokensLive(target.serverId)
      const call = await runEchoThroughRoute(account, target, 'after the lock')
      expect(resultTextOf(call.data)).toBe('after the lock')
    },
  },
  {
    name: 'SQLite locked while refreshed tokens are being stored: the spent refresh token is never sent again, and the sign-in survives',
    async run() {
      const target = await connectedServer({ expired: true })
      const reuseBefore = peer.stats.refreshTokenReuse
      proxy.fail({ path: '/token', mode: 'hold', bodyContains: 'grant_type=refresh_token', times: 1 })
      const call = callServerTool(account.user.id, target.server, 'echo', { message: 'stored at last' })
      await proxy.waitForHeld()
      // Longer than the busy timeout (5 s) from when the new tokens arrive, so storing them fails once.
      const lock = holdSqliteWriteLock(sqliteFile(), 7_000)
      await lock.locked
      proxy.release()
      await call.catch(() => null)
      await lock.released
      // With rotation and reuse detection, sending the spent refresh token again revokes the whole grant.
      expect(peer.stats.refreshTokenReuse, 'the spent refresh token was sent again').toBe(reuseBefore)
      await tokensLive(target.serverId)
      const again = await callServerTool(account.user.id, target.server, 'echo', { message: 'still signed in' })
      expect(again.ok ? again.value.result : again.failure).toMatchObject({ content: [{ type: 'text', text: 'still signed in' }] })
    },
  },
]

const casesByDatabase: Record<string, typeof sqliteCases> = { sqlite: sqliteCases, postgresql: postgresqlCases }

for (const entry of casesByDatabase[process.env.TEST_DB_KIND ?? ''] ?? []) {
  test(entry.name, entry.run, 30_000)
}
