import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { getConnectionWithTokens, markNeedsReauth, storeRefreshedTokens } from '#app/oauth/store/connections.server.ts'
import { findRegistration } from '#app/oauth/store/registrations.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { redirectUri } from '#app/oauth/client-identity.server.ts'
import { type PeerProxy, connectThroughRoutes, startPeerProxy } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { createTestAccount, type TestAccount } from '#tests/utils.ts'

// Read on first use (getEnv), after this file's imports: a hanging token request is given up after 3 s, not
// the default 10 s, so the hang-and-retry case takes seconds (tests/faults/oauth-steps.test.ts does the same).
process.env.OAUTH_TIMEOUT_MS = '3000'

// Tokens after Connect: proactive refresh, single flight, invalid_grant, transient failures and
// 401s from the MCP server, against the SDK-built peer (rotating refresh tokens with reuse
// detection). A proxy of our own in front of a peer makes its token endpoint fail on demand.

/**
 * Access tokens live 45 s here (a common provider minimum is 60 s): Switchboard refreshes them
 * when less than a third of that (15 s) remains, so tests move expiresAt to get there.
 */
let shortPeer: SdkAuthServer
let peer: SdkAuthServer
let shortProxy: PeerProxy
let proxy: PeerProxy
/** One account for the whole file (scrypt makes accounts slow to create); each test adds its own server. */
let account: TestAccount

beforeAll(async () => {
  account = await createTestAccount('Refresher')
  shortPeer = await startSdkAuthServer({ accessTokenTtlSeconds: 45 })
  peer = await startSdkAuthServer()
  shortProxy = await startPeerProxy(new URL(shortPeer.mcpUrl).origin)
  proxy = await startPeerProxy(new URL(peer.mcpUrl).origin)
})
afterEach(() => {
  shortProxy.recover()
  proxy.recover()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([shortProxy?.close(), proxy?.close()])
  await Promise.all([shortPeer?.close(), peer?.close()])
})

/** A user with a server at `url`, connected through the real Connect → approve → callback routes. */
async function connectedUser(url: string) {
  const { user, cookie } = account
  const created = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: `OAuth ${Math.random().toString(36).slice(2, 10)}`, url, authType: 'oauth', timeoutMs: 10_000 },
    select: { id: true },
  })
  await connectThroughRoutes({ workspaceId: user.workspaceId, serverId: created.id, cookie })
  const server = await requireServer(user.workspaceId, created.id)
  return { user, cookie, server, serverId: created.id, workspaceId: user.workspaceId }
}

async function connectionOf(serverId: string, userId: string) {
  return getConnectionWithTokens(serverId, userId)
}

/** Makes the stored access token look expired to Switchboard (the peer would still accept it). */
async function expireAccessToken(serverId: string) {
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
}

/**
 * Makes the stored 45 s token look 31 s old, with 14 s left: inside its refresh margin (a third of
 * its lifetime, 15 s) but still accepted by the peer.
 */
async function bringNearExpiry(serverId: string) {
  const now = Date.now()
  await getDb().oAuthConnection.updateMany({
    where: { serverId },
    data: { connectedAt: new Date(now - 31_000), refreshedAt: null, expiresAt: new Date(now + 14_000) },
  })
}

const refreshRequests = (target: SdkAuthServer) => target.stats.tokenRequests.refresh_token ?? 0
const proxiedRefreshes = (target: PeerProxy) => target.exchanges.filter((exchange) => exchange.path.startsWith('/token') && exchange.requestBody.includes('grant_type=refresh_token'))

test('a tool call with an access token about to expire refreshes first, rotates the refresh token and stores a new generation', async () => {
  const { user, server, serverId } = await connectedUser(shortPeer.mcpUrl)
  await bringNearExpiry(serverId)
  const before = await connectionOf(serverId, user.id)
  expect(before?.refreshToken).toBeTruthy()
  expect(shortPeer.stats.validRefreshTokens.has(before?.refreshToken ?? '')).toBe(true)
  const refreshesBefore = refreshRequests(shortPeer)

  const call = await callServerTool(user.id, server, 'echo', { text: 'after refresh' })
  expect(call.ok).toBe(true)

  expect(refreshRequests(shortPeer)).toBe(refreshesBefore + 1)
  const after = await connectionOf(serverId, user.id)
  expect(after?.status).toBe('connected')
  expect(after?.generation).toBe((before?.generation ?? 0) + 1)
  expect(after?.refreshToken).toBeTruthy()
  expect(after?.refreshToken).not.toBe(before?.refreshToken)
  expect(after?.accessToken).not.toBe(before?.accessToken)
  // Rotation: the old refresh token is spent at the peer, the stored one is the live one.
  expect(shortPeer.stats.validRefreshTokens.has(before?.refreshToken ?? '')).toBe(false)
  expect(shortPeer.stats.validRefreshTokens.has(after?.refreshToken ?? '')).toBe(true)
  expect(shortPeer.stats.validAccessTokens.has(after?.accessToken ?? '')).toBe(true)
})

test('45 s access tokens are not refreshed after Connect: several tool calls reuse the token and one MCP session; close to expiry it is refreshed once', async () => {
  const refreshesBefore = refreshRequests(shortPeer)
  const { user, server, serverId } = await connectedUser(shortPeer.mcpUrl)
  const connected = await connectionOf(serverId, user.id)
  const initializesBefore = shortPeer.stats.mcp.initializeCount
  const poolBefore = { ...getSessionPool().stats }

  for (let index = 0; index < 5; index++) {
    const call = await callServerTool(user.id, server, 'echo', { text: `call ${index}` })
    expect(call.ok ? 'ok' : call.failure.kind).toBe('ok')
  }

  expect(refreshRequests(shortPeer)).toBe(refreshesBefore)
  expect(shortPeer.stats.mcp.initializeCount).toBe(initializesBefore + 1)
  expect(getSessionPool().stats.opened).toBe(poolBefore.opened + 1)
  expect((await connectionOf(serverId, user.id))?.generation).toBe(connected?.generation)

  await bringNearExpiry(serverId)
  for (let index = 0; index < 3; index++) {
    const call = await callServerTool(user.id, server, 'echo', { text: `near expiry ${index}` })
    expect(call.ok ? 'ok' : call.failure.kind).toBe('ok')
  }
  expect(refreshRequests(shortPeer)).toBe(refreshesBefore + 1)
  expect((await connectionOf(serverId, user.id))?.generation).toBe((connected?.generation ?? 0) + 1)
})

test('20 concurrent tool calls with an expired access token make exactly one refresh and all succeed', async () => {
  const { user, server, serverId } = await connectedUser(peer.mcpUrl)
  const before = await connectionOf(serverId, user.id)
  await expireAccessToken(serverId)
  const refreshesBefore = refreshRequests(peer)
  const reuseBefore = peer.stats.refreshTokenReuse

  const calls = await Promise.all(Array.from({ length: 20 }, (_, index) => callServerTool(user.id, server, 'echo', { text: `call ${index}` })))

  expect(calls.map((call) => (call.ok ? 'ok' : call.failure.kind))).toEqual(Array.from({ length: 20 }, () => 'ok'))
  expect(refreshRequests(peer)).toBe(refreshesBefore + 1)
  expect(peer.stats.refreshTokenReuse).toBe(reuseBefore)
  const after = await connectionOf(serverId, user.id)
  expect(after?.status).toBe('connected')
  expect(after?.generation).toBe((before?.generation ?? 0) + 1)
  expect(peer.stats.validRefreshTokens.has(after?.refreshToken ?? '')).toBe(true)
})

test('a refresh token refused with invalid_grant ends in reauth_required with the tokens deleted, and Reconnect works', async () => {
  const { user, cookie, server, serverId, workspaceId } = await connectedUser(shortPeer.mcpUrl)
  await bringNearExpiry(serverId)
  shortPeer.revokeRefreshTokens()
  const errorsBefore = shortPeer.stats.tokenErrors.invalid_grant ?? 0

  const refused = await callServerTool(user.id, server, 'echo', { text: 'no' })
  expect(refused.ok).toBe(false)
  expect(refused.ok ? null : { kind: refused.failure.kind, action: refused.failure.action }).toEqual({ kind: 'reauth_required', action: 'reconnect' })
  expect(shortPeer.stats.tokenErrors.invalid_grant ?? 0).toBe(errorsBefore + 1)

  const row = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { status: true, accessToken: true, refreshToken: true, expiresAt: true, lastError: true } })
  expect(row).toMatchObject({ status: 'needs_reauth', accessToken: null, refreshToken: null, expiresAt: null })
  expect(row.lastError).toBeTruthy()

  // A second call does not ask the authorization server again: the connection says "Reconnect".
  const again = await callServerTool(user.id, server, 'echo', { text: 'still no' })
  expect(again.ok ? null : again.failure.kind).toBe('reauth_required')
  expect(shortPeer.stats.tokenErrors.invalid_grant ?? 0).toBe(errorsBefore + 1)

  await connectThroughRoutes({ workspaceId, serverId, cookie })
  const reconnected = await connectionOf(serverId, user.id)
  expect(reconnected?.status).toBe('connected')
  expect(reconnected?.refreshToken).toBeTruthy()
  const works = await callServerTool(user.id, await requireServer(workspaceId, serverId), 'echo', { text: 'back' })
  expect(works.ok).toBe(true)
})

test('storing refreshed tokens or marking a reauth for a stale generation changes nothing', async () => {
  const { user, server, serverId } = await connectedUser(peer.mcpUrl)
  await expireAccessToken(serverId)
  expect((await callServerTool(user.id, server, 'echo', { text: 'refresh once' })).ok).toBe(true)
  const current = await connectionOf(serverId, user.id)
  if (!current) throw new Error('no connection')
  expect(current.generation).toBeGreaterThan(0)
  const stale = current.generation - 1

  const stored = await storeRefreshedTokens(current.id, stale, { accessToken: 'stale-access', refreshToken: 'stale-refresh', expiresIn: 3600, scopes: 'other' }, current.refreshToken)
  expect(stored).toBe(false)
  const marked = await markNeedsReauth(current.id, stale, 'an older refresh failed')
  expect(marked).toBe(false)

  const unchanged = await connectionOf(serverId, user.id)
  expect(unchanged).toMatchObject({
    status: 'connected',
    generation: current.generation,
    accessToken: current.accessToken,
    refreshToken: current.refreshToken,
    scopes: current.scopes,
    lastError: null,
  })
  expect((await callServerTool(user.id, server, 'echo', { text: 'still works' })).ok).toBe(true)

  // The current generation is accepted (the compare-and-swap is not simply always refusing).
  expect(await markNeedsReauth(current.id, current.generation, 'test')).toBe(true)
  expect((await connectionOf(serverId, user.id))?.status).toBe('needs_reauth')
})

test('an invalid_grant that arrives after a new sign-in replaced the tokens uses the new tokens instead of asking to reconnect', async () => {
  const { user, cookie, server, serverId, workspaceId } = await connectedUser(proxy.rewrite(peer.mcpUrl))
  const first = await connectionOf(serverId, user.id)
  await expireAccessToken(serverId)
  peer.revokeRefreshTokens()
  // The refresh reaches the peer only after the person has signed in again (another tab, another instance).
  proxy.fail({ path: '/token', mode: 'hold', bodyContains: 'grant_type=refresh_token', times: 1 })
  const errorsBefore = peer.stats.tokenErrors.invalid_grant ?? 0

  const pending = callServerTool(user.id, server, 'echo', { text: 'racing' })
  await proxy.waitForHeld()
  await connectThroughRoutes({ workspaceId, serverId, cookie })
  const reconnected = await connectionOf(serverId, user.id)
  expect(reconnected?.generation).toBeGreaterThan(first?.generation ?? 0)
  proxy.release()

  const call = await pending
  expect(peer.stats.tokenErrors.invalid_grant ?? 0).toBe(errorsBefore + 1)
  expect(call.ok ? 'ok' : call.failure.kind).toBe('ok')
  const after = await connectionOf(serverId, user.id)
  expect(after).toMatchObject({ status: 'connected', generation: reconnected?.generation, refreshToken: reconnected?.refreshToken })
  expect(after?.accessToken).toBeTruthy()
})

test('a token endpoint answering 500 keeps the tokens: the still-valid access token is used, and the next call after recovery refreshes', async () => {
  const { user, server, serverId } = await connectedUser(shortProxy.rewrite(shortPeer.mcpUrl))
  await bringNearExpiry(serverId)
  const before = await connectionOf(serverId, user.id)
  const refreshesBefore = refreshRequests(shortPeer)
  const proxiedBefore = proxiedRefreshes(shortProxy).length
  shortProxy.fail({ path: '/token', mode: 'status500' })

  const call = await callServerTool(user.id, server, 'echo', { text: 'old token' })
  expect(call.ok ? 'ok' : call.failure.kind).toBe('ok')
  // Tried more than once (retries with backoff), never reached the peer, tokens kept.
  expect(proxiedRefreshes(shortProxy).length - proxiedBefore).toBeGreaterThan(1)
  expect(refreshRequests(shortPeer)).toBe(refreshesBefore)
  const kept = await connectionOf(serverId, user.id)
  expect(kept).toMatchObject({ status: 'connected', generation: before?.generation, accessToken: before?.accessToken, refreshToken: before?.refreshToken })
  expect(kept?.lastError).toBeTruthy()

  shortProxy.recover()
  const recovered = await callServerTool(user.id, server, 'echo', { text: 'new token' })
  expect(recovered.ok).toBe(true)
  expect(refreshRequests(shortPeer)).toBe(refreshesBefore + 1)
  const after = await connectionOf(serverId, user.id)
  expect(after?.status).toBe('connected')
  expect(after?.generation).toBe((before?.generation ?? 0) + 1)
  expect(after?.lastError).toBeNull()
})

for (const mode of ['status500', 'reset'] as const) {
  test(`a token endpoint that ${mode === 'reset' ? 'is down' : 'answers 500'} while the access token has expired gives oauth_unavailable, keeps the tokens, and recovery refreshes`, async () => {
    const { user, server, serverId } = await connectedUser(proxy.rewrite(peer.mcpUrl))
    await expireAccessToken(serverId)
    const before = await connectionOf(serverId, user.id)
    const refreshesBefore = refreshRequests(peer)
    proxy.fail({ path: '/token', mode })

    const call = await callServerTool(user.id, server, 'echo', { text: 'expired' })
    expect(call.ok ? null : { kind: call.failure.kind, action: call.failure.action }).toEqual({ kind: 'oauth_unavailable', action: 'retry' })
    expect(refreshRequests(peer)).toBe(refreshesBefore)
    const kept = await connectionOf(serverId, user.id)
    expect(kept).toMatchObject({ status: 'connected', generation: before?.generation, accessToken: before?.accessToken, refreshToken: before?.refreshToken })
    // The refresh token is still good at the peer: nothing was spent or revoked.
    expect(peer.stats.validRefreshTokens.has(before?.refreshToken ?? '')).toBe(true)

    proxy.recover()
    const recovered = await callServerTool(user.id, server, 'echo', { text: 'recovered' })
    expect(recovered.ok ? 'ok' : recovered.failure.kind).toBe('ok')
    expect(refreshRequests(peer)).toBe(refreshesBefore + 1)
    const after = await connectionOf(serverId, user.id)
    expect(after).toMatchObject({ status: 'connected', generation: (before?.generation ?? 0) + 1 })
  })
}

test('a token request that hangs is timed out and retried, and the call succeeds', { timeout: 40_000 }, async () => {
  const { user, server, serverId } = await connectedUser(proxy.rewrite(peer.mcpUrl))
  await expireAccessToken(serverId)
  const before = await connectionOf(serverId, user.id)
  const refreshesBefore = refreshRequests(peer)
  proxy.fail({ path: '/token', mode: 'hang', bodyContains: 'grant_type=refresh_token', times: 1 })

  const call = await callServerTool(user.id, server, 'echo', { text: 'slow authorization server' })
  expect(call.ok ? 'ok' : call.failure.kind).toBe('ok')
  expect(proxy.exchanges.filter((exchange) => exchange.fault === 'hang')).toHaveLength(1)
  expect(refreshRequests(peer)).toBe(refreshesBefore + 1)
  expect((await connectionOf(serverId, user.id))?.generation).toBe((before?.generation ?? 0) + 1)
})

test('a 401 for an access token the server revoked forces one refresh, and the call succeeds', async () => {
  const { user, server, serverId } = await connectedUser(peer.mcpUrl)
  expect((await callServerTool(user.id, server, 'echo', { text: 'open a session' })).ok).toBe(true)
  const before = await connectionOf(serverId, user.id)
  if (!before?.accessToken) throw new Error('no access token')
  // Revoke only the access token at the peer (RFC 7009), as the client it was issued to.
  const registration = await findRegistration(serverId, before.issuer, redirectUri())
  const revoked = await fetch(new URL('/revoke', peer.issuer), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: before.accessToken, token_type_hint: 'access_token', client_id: registration?.clientId ?? '', client_secret: registration?.clientSecret ?? '' }),
  })
  expect(revoked.status).toBe(200)
  expect(peer.stats.validAccessTokens.has(before.accessToken)).toBe(false)
  const refreshesBefore = refreshRequests(peer)
  const unauthorizedBefore = peer.stats.mcp.unauthorized

  const call = await callServerTool(user.id, server, 'echo', { text: 'after 401' })
  expect(call.ok ? 'ok' : call.failure.kind).toBe('ok')
  expect(peer.stats.mcp.unauthorized).toBeGreaterThan(unauthorizedBefore)
  expect(refreshRequests(peer)).toBe(refreshesBefore + 1)
  const after = await connectionOf(serverId, user.id)
  expect(after).toMatchObject({ status: 'connected', generation: before.generation + 1 })
  expect(peer.stats.validAccessTokens.has(after?.accessToken ?? '')).toBe(true)
})

test('a 401 after the authorization server revoked the whole grant ends in reauth_required after one refresh attempt', async () => {
  const { user, server, serverId } = await connectedUser(peer.mcpUrl)
  expect((await callServerTool(user.id, server, 'echo', { text: 'open a session' })).ok).toBe(true)
  peer.revokeAllTokens()
  const refreshesBefore = refreshRequests(peer)

  const call = await callServerTool(user.id, server, 'echo', { text: 'revoked' })
  expect(call.ok ? null : { kind: call.failure.kind, action: call.failure.action }).toEqual({ kind: 'reauth_required', action: 'reconnect' })
  expect(refreshRequests(peer)).toBe(refreshesBefore + 1)
  const row = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { status: true, accessToken: true, refreshToken: true } })
  expect(row).toEqual({ status: 'needs_reauth', accessToken: null, refreshToken: null })
})
