import { afterAll, beforeAll, expect, test } from 'vitest'
import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type AppInstance, startAppInstance } from '#tests/multi-instance/instances.ts'
import { type PeerProxy, autoApprove, connectThroughRoutes, startPeerProxy } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { createTestAccount, type TestAccount } from '#tests/utils.ts'

// Two Switchboard instances (separate Node processes) on one database: the refresh single
// flight must hold across processes (database lease + generation compare-and-swap), and a
// Connect may start on one instance and finish on the other (nothing kept in memory).
// Meant for PostgreSQL, where several instances share one database.

let peer: SdkAuthServer
let proxy: PeerProxy
let instanceA: AppInstance
let instanceB: AppInstance
let account: TestAccount

beforeAll(async () => {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) throw new Error('DATABASE_URL is not set (tests/setup creates the worker database)')
  peer = await startSdkAuthServer()
  proxy = await startPeerProxy(new URL(peer.mcpUrl).origin)
  account = await createTestAccount('Two instances')
  // Same DATABASE_URL, ENCRYPTION_KEYS, SESSION_SECRET and PUBLIC_URL as this process (inherited).
  ;[instanceA, instanceB] = await Promise.all([startAppInstance('A', { DATABASE_URL: databaseUrl }), startAppInstance('B', { DATABASE_URL: databaseUrl })])
})
afterAll(async () => {
  await Promise.all([instanceA?.stop(), instanceB?.stop()])
  await getSessionPool().closeAll()
  await proxy?.close()
  await peer?.close()
})

async function createOAuthServer(url: string) {
  const created = await getDb().mcpServer.create({
    data: { workspaceId: account.user.workspaceId, name: `Shared DB ${Math.random().toString(36).slice(2, 8)}`, url, authType: 'oauth', timeoutMs: 10_000 },
    select: { id: true },
  })
  return created.id
}

const refreshesAtPeer = () => peer.stats.tokenRequests.refresh_token ?? 0
const refreshesThroughProxy = () => proxy.exchanges.filter((exchange) => exchange.path.startsWith('/token') && exchange.requestBody.includes('grant_type=refresh_token')).length

test('two instances firing 25 concurrent tool calls each with an expired token make exactly one refresh, and all 50 succeed', async () => {
  const { user, cookie } = account
  const workspaceId = user.workspaceId
  const serverId = await createOAuthServer(proxy.rewrite(peer.mcpUrl))
  await connectThroughRoutes({ workspaceId, serverId, cookie })
  const before = await getConnectionWithTokens(serverId, user.id)
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  const peerBefore = refreshesAtPeer()
  const proxyBefore = refreshesThroughProxy()
  // Every refresh waits at the proxy until released, so both instances are surely refreshing at once:
  // a second refresh request (from either instance) would be held too, and counted.
  proxy.fail({ path: '/token', mode: 'hold', bodyContains: 'grant_type=refresh_token' })

  const command = { type: 'calls', workspaceId, serverId, userId: user.id, count: 25 } as const
  const callsA = instanceA.send({ ...command, label: 'A' })
  const callsB = instanceB.send({ ...command, label: 'B' })
  await proxy.waitForHeld(1)
  // Give the other instance time to find the lease taken (a pause, not an assertion on timing).
  await new Promise((resolve) => setTimeout(resolve, 1500))
  expect(refreshesThroughProxy()).toBe(proxyBefore + 1)
  proxy.release()
  const [replyA, replyB] = await Promise.all([callsA, callsB])
  proxy.recover()

  if (replyA.type !== 'calls' || replyB.type !== 'calls') throw new Error('unexpected replies')
  expect([...replyA.outcomes, ...replyB.outcomes]).toEqual(Array.from({ length: 50 }, () => 'ok'))
  expect(refreshesThroughProxy()).toBe(proxyBefore + 1)
  expect(refreshesAtPeer()).toBe(peerBefore + 1)
  expect(replyA.refreshTokenRequests + replyB.refreshTokenRequests).toBe(1)
  expect(peer.stats.refreshTokenReuse).toBe(0)
  const after = await getConnectionWithTokens(serverId, user.id)
  expect(after).toMatchObject({ status: 'connected', generation: (before?.generation ?? 0) + 1, refreshLeaseUntil: null })
  expect(peer.stats.validRefreshTokens.has(after?.refreshToken ?? '')).toBe(true)
  expect(instanceA.stderr() + instanceB.stderr()).not.toMatch(/error/i)
})

test('a Connect started on one instance is completed by the callback on another', async () => {
  const { user, cookie } = account
  const workspaceId = user.workspaceId
  const serverId = await createOAuthServer(peer.mcpUrl)

  const started = await instanceA.send({ type: 'connect', workspaceId, serverId, cookie })
  if (started.type !== 'step') throw new Error('unexpected reply')
  expect(started.status).toBe(302)
  expect(started.location.startsWith(peer.issuer)).toBe(true)
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(1)

  const callbackUrl = await autoApprove(started.location)
  const finished = await instanceB.send({ type: 'callback', callbackUrl, cookie })
  if (finished.type !== 'step') throw new Error('unexpected reply')
  expect(finished).toMatchObject({ status: 302, location: `/w/${workspaceId}/servers/${serverId}` })

  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(0)
  const connection = await getConnectionWithTokens(serverId, user.id)
  expect(connection).toMatchObject({ status: 'connected', issuer: peer.issuer, clientKind: 'dynamic' })
  expect(peer.stats.validAccessTokens.has(connection?.accessToken ?? '')).toBe(true)
  const calls = await instanceA.send({ type: 'calls', workspaceId, serverId, userId: user.id, count: 1, label: 'after' })
  expect(calls.type === 'calls' ? calls.outcomes : null).toEqual(['ok'])
})
