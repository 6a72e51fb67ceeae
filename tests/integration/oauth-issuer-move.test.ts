import { afterAll, beforeAll, expect, test } from 'vitest'
import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { updateServer } from '#app/servers/update-server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { connectThroughRoutes, startConnectRoute } from '#tests/multi-instance/oauth-kit.ts'
import { type MovingAuthServer, startMovingAuthServer } from '#tests/servers/moving-auth-server.ts'
import { createTestAccount, type TestAccount } from '#tests/utils.ts'

// A server whose protected-resource metadata starts naming another authorization server (MCP
// 2026-07-28): the old connection asks for Reconnect with a sentence, nothing of the old issuer
// reaches the new one, Reconnect registers with the new one, and the move is audited once.

let peer: MovingAuthServer
let account: TestAccount

beforeAll(async () => {
  account = await createTestAccount('Mover')
  peer = await startMovingAuthServer()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await peer?.close()
})

/** The issuer recorded for the server (ServerOAuthDiscovery.issuer), as the assertions compare it. */
async function recordedIssuer(serverId: string): Promise<{ oauthIssuer: string | null }> {
  const row = await getDb().serverOAuthDiscovery.findUnique({ where: { serverId }, select: { issuer: true } })
  return { oauthIssuer: row?.issuer ?? null }
}

test('a server that moves its sign-in to another authorization server: Reconnect with a sentence, nothing of the old issuer sent to the new one, the move audited once', async () => {
  const { user, cookie } = account
  const workspaceId = user.workspaceId
  const [first, second] = peer.authorizationServers
  const { id: serverId } = await getDb().mcpServer.create({
    data: { workspaceId, name: `Moving ${Math.random().toString(36).slice(2, 10)}`, url: peer.mcpUrl, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
    select: { id: true },
  })
  await connectThroughRoutes({ workspaceId, serverId, cookie })
  const server = await requireServer(workspaceId, serverId)
  expect((await callServerTool(user.id, server, 'echo', { message: 'before' })).ok).toBe(true)
  const old = await getConnectionWithTokens(serverId, user.id)
  expect(old).toMatchObject({ issuer: first.issuer, status: 'connected' })
  expect(await recordedIssuer(serverId)).toEqual({ oauthIssuer: first.issuer })

  peer.moveTo(2)
  // The access token is due for a refresh: the refresh finds the new issuer before sending anything.
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  const refused = await callServerTool(user.id, server, 'echo', { message: 'after the move' })
  expect(refused.ok ? null : { kind: refused.failure.kind, action: refused.failure.action }).toEqual({ kind: 'reauth_required', action: 'reconnect' })
  expect(refused.ok ? '' : refused.failure.message).toContain(`moved its sign-in to another authorization server, ${second.issuer}`)
  const marked = await getConnectionWithTokens(serverId, user.id)
  expect(marked).toMatchObject({ status: 'needs_reauth', accessToken: null, refreshToken: null })
  expect(marked?.lastError).toContain(second.issuer)
  expect(first.stats.tokenRequests.refresh_token ?? 0).toBe(0)
  expect(second.stats.tokenRequests.refresh_token ?? 0).toBe(0)

  // Reconnect: the new authorization server gets its own registration, and tools work again.
  await connectThroughRoutes({ workspaceId, serverId, cookie })
  const fresh = await getConnectionWithTokens(serverId, user.id)
  expect(fresh).toMatchObject({ issuer: second.issuer, status: 'connected' })
  expect(fresh?.clientId).not.toBe(old?.clientId)
  expect(second.stats.registrations).toBe(1)
  expect((await callServerTool(user.id, await requireServer(workspaceId, serverId), 'echo', { message: 'moved' })).ok).toBe(true)

  // Nothing issued by or registered with the first authorization server reached the second.
  const received = JSON.stringify(second.requests)
  for (const secret of [old?.refreshToken, old?.accessToken, old?.clientId]) {
    expect(secret).toBeTruthy()
    expect(received).not.toContain(secret)
  }
  expect(second.requests.some((request) => request.url.startsWith('/register'))).toBe(true)

  const moves = await getDb().auditEvent.findMany({ where: { serverId, event: 'oauth.issuer_changed' }, select: { issuer: true, detail: true, actorId: true } })
  expect(moves).toEqual([{ issuer: second.issuer, detail: expect.stringContaining(`From ${first.issuer} to ${second.issuer}`), actorId: null }])
  expect(await recordedIssuer(serverId)).toEqual({ oauthIssuer: second.issuer })
})

test('a pre-registered client saved before the move is not sent to the new authorization server: Connect says so', async () => {
  const { user, cookie } = account
  const workspaceId = user.workspaceId
  const [first, second] = peer.authorizationServers
  peer.moveTo(1)
  const { id: serverId } = await getDb().mcpServer.create({
    data: { workspaceId, name: `Moving ${Math.random().toString(36).slice(2, 10)}`, url: peer.mcpUrl, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000, discovery: { create: { issuer: first.issuer } }, oauthClient: { create: { clientId: 'entered-for-the-first' } } },
    select: { id: true },
  })
  peer.moveTo(2)
  const authorizationsBefore = second.stats.authorizationRequests

  const started = await startConnectRoute(workspaceId, serverId, cookie)
  expect(started.status).toBe(302)
  expect(started.location).toBe(`/w/${workspaceId}/servers/${serverId}`)
  expect(second.stats.authorizationRequests).toBe(authorizationsBefore)
  expect(JSON.stringify(second.requests)).not.toContain('entered-for-the-first')
  const failed = await getDb().auditEvent.findFirst({ where: { serverId, event: 'oauth.connect_failed' }, select: { detail: true } })
  expect(failed?.detail).toContain(`moved its sign-in from ${first.issuer} to ${second.issuer}`)
  expect(await getDb().auditEvent.count({ where: { serverId, event: 'oauth.issuer_changed' } })).toBe(1)
})

test('when the moved server refuses the old tokens (401), the forced refresh finds the new issuer and asks for Reconnect without contacting it', async () => {
  const strict = await startMovingAuthServer({ acceptOldTokens: false })
  try {
    const { user, cookie } = account
    const workspaceId = user.workspaceId
    const [first, second] = strict.authorizationServers
    const { id: serverId } = await getDb().mcpServer.create({
      data: { workspaceId, name: `Strict ${Math.random().toString(36).slice(2, 10)}`, url: strict.mcpUrl, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
      select: { id: true },
    })
    await connectThroughRoutes({ workspaceId, serverId, cookie })
    const server = await requireServer(workspaceId, serverId)
    expect((await callServerTool(user.id, server, 'echo', { message: 'before' })).ok).toBe(true)
    const old = await getConnectionWithTokens(serverId, user.id)

    strict.moveTo(2)
    const refused = await callServerTool(user.id, server, 'echo', { message: 'after' })
    expect(refused.ok ? null : refused.failure.action).toBe('reconnect')
    expect(refused.ok ? '' : refused.failure.message).toContain(second.issuer)
    expect(first.stats.tokenRequests.refresh_token ?? 0).toBe(0)
    expect(second.requests.filter((request) => request.method === 'POST')).toEqual([])
    expect(JSON.stringify(second.requests)).not.toContain(old?.clientId ?? '(none)')
    expect(await getDb().auditEvent.count({ where: { serverId, event: 'oauth.issuer_changed' } })).toBe(1)
  } finally {
    await strict.close()
  }
})

test('an issuer recorded under the former rule (without the "/" of an empty path) is renamed, not taken for a move: the refresh goes to the same server', async () => {
  const { user, cookie } = account
  const workspaceId = user.workspaceId
  const fresh = await startMovingAuthServer()
  try {
    const [first] = fresh.authorizationServers
    expect(first.issuer.endsWith('/')).toBe(true)
    const formerIssuer = first.issuer.slice(0, -1)
    const { id: serverId } = await getDb().mcpServer.create({
      data: { workspaceId, name: `Renamed ${Math.random().toString(36).slice(2, 10)}`, url: fresh.mcpUrl, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
      select: { id: true },
    })
    await connectThroughRoutes({ workspaceId, serverId, cookie })
    // What an older Switchboard stored: the issuer without its trailing "/".
    await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { issuer: formerIssuer, expiresAt: new Date(Date.now() - 1000) } })
    await getDb().oAuthClientRegistration.updateMany({ where: { serverId }, data: { issuer: formerIssuer } })
    await getDb().serverOAuthDiscovery.update({ where: { serverId }, data: { issuer: formerIssuer, metadata: null, expiresAt: null } })
    const refreshesBefore = first.stats.tokenRequests.refresh_token ?? 0

    const called = await callServerTool(user.id, await requireServer(workspaceId, serverId), 'echo', { message: 'after the upgrade' })
    expect(called.ok).toBe(true)
    expect(first.stats.tokenRequests.refresh_token ?? 0).toBe(refreshesBefore + 1)
    expect(await getConnectionWithTokens(serverId, user.id)).toMatchObject({ issuer: first.issuer, status: 'connected' })
    expect(await getDb().oAuthClientRegistration.findMany({ where: { serverId }, select: { issuer: true } })).toEqual([{ issuer: first.issuer }])
    expect(await recordedIssuer(serverId)).toEqual({ oauthIssuer: first.issuer })
    expect(await getDb().auditEvent.count({ where: { serverId, event: 'oauth.issuer_changed' } })).toBe(0)
  } finally {
    await fresh.close()
  }
})

test('after an admin changes the URL, the new URL’s authorization server is not taken for a move', async () => {
  const { user, cookie } = account
  const workspaceId = user.workspaceId
  const other = await startMovingAuthServer()
  try {
    const { id: serverId } = await getDb().mcpServer.create({
      data: { workspaceId, name: `Relocated ${Math.random().toString(36).slice(2, 10)}`, url: peer.mcpUrl, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
      select: { id: true },
    })
    peer.moveTo(1)
    await connectThroughRoutes({ workspaceId, serverId, cookie })
    const server = await requireServer(workspaceId, serverId)
    await updateServer(server, { name: server.name, url: other.mcpUrl, transport: 'auto', authType: 'oauth', timeoutMs: 10_000, enabled: true }, null, user.id)
    expect(await recordedIssuer(serverId)).toEqual({ oauthIssuer: null })

    await connectThroughRoutes({ workspaceId, serverId, cookie })
    expect(await getConnectionWithTokens(serverId, user.id)).toMatchObject({ issuer: other.authorizationServers[0].issuer, status: 'connected' })
    expect(await getDb().auditEvent.count({ where: { serverId, event: 'oauth.issuer_changed' } })).toBe(0)
  } finally {
    await other.close()
  }
})
