import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest'
import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { updateServer } from '#app/servers/update-server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { McpSessionPool, getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { invalidateServerOAuth } from '#app/oauth/revocation.server.ts'
import { connectThroughRoutes } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { formRequest, loadContext, settle, statusOf, createTestAccount, type TestAccount } from '#tests/utils.ts'

// MCP sessions opened with a token end at the server (the Streamable HTTP DELETE) with a token
// that still works: before the revocation on Disconnect or an invalidation, with the new token
// after a rotation, and never with a token of another configuration (the server's previous URL).

let peer: SdkAuthServer
let account: TestAccount

beforeAll(async () => {
  account = await createTestAccount('Session ender')
  peer = await startSdkAuthServer()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await peer?.close()
})

async function connectedServer(on: SdkAuthServer = peer) {
  const { user, cookie } = account
  const created = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: `Sessions ${Math.random().toString(36).slice(2, 10)}`, url: on.mcpUrl, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
    select: { id: true },
  })
  await connectThroughRoutes({ workspaceId: user.workspaceId, serverId: created.id, cookie })
  return { serverId: created.id, workspaceId: user.workspaceId, server: await requireServer(user.workspaceId, created.id) }
}

/** The DELETE answers the peer gave for these sessions. */
function deletesOf(sessionIds: string[], on: SdkAuthServer = peer) {
  return sessionIds.map((id) => on.stats.mcp.sessionDeletes.filter((entry) => entry.sessionId === id).map((entry) => entry.status))
}

/** The stored token now looks expired: the next call refreshes it (a new generation). */
async function expireToken(serverId: string) {
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
}

/**
 * Runs `fn` as another instance of Switchboard would (same database, a session pool of its
 * own): what it closes, this process's pool still holds.
 */
async function onAnotherInstance(fn: () => Promise<void>) {
  const poolKey = Symbol.for('switchboard.mcp-session-pool')
  const ours = getSessionPool()
  const theirs = new McpSessionPool()
  Reflect.set(globalThis, poolKey, theirs)
  try {
    await fn()
  } finally {
    Reflect.set(globalThis, poolKey, ours)
    await theirs.closeAll()
  }
}

test('Disconnect ends the MCP sessions at the server with the still-valid token before revoking it', async () => {
  const { user, cookie } = account
  const { serverId, workspaceId, server } = await connectedServer()
  const sessionsBefore = peer.stats.mcp.sessionIds.length
  const call = await callServerTool(user.id, server, 'echo', { text: 'before disconnect' })
  expect(call.ok).toBe(true)
  const opened = peer.stats.mcp.sessionIds.slice(sessionsBefore)
  expect(opened).toHaveLength(1)
  const revokedBefore = peer.stats.revocations.refreshToken

  const result = await settle(() =>
    disconnectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/disconnect`, { intent: 'disconnect', confirm: 'on' }, cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
  expect(peer.stats.revocations.refreshToken).toBe(revokedBefore + 1)
  // One successful DELETE per session: it went out while the token still worked (after the
  // revocation, the peer answers 401 and keeps the session).
  expect(deletesOf(opened)).toEqual([[200]])
  expect(await getConnectionWithTokens(serverId, user.id)).toBeNull()
})

test('a token rotation ends the session opened with the old token at the server and opens one with the new token', async () => {
  const { user } = account
  const { serverId, server } = await connectedServer()
  const sessionsBefore = peer.stats.mcp.sessionIds.length
  expect((await callServerTool(user.id, server, 'echo', { text: 'old token' })).ok).toBe(true)
  const [oldSession] = peer.stats.mcp.sessionIds.slice(sessionsBefore)
  expect(oldSession).toBeTruthy()
  const before = await getConnectionWithTokens(serverId, user.id)

  // The stored token now looks expired: the next call refreshes (a new generation).
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  expect((await callServerTool(user.id, server, 'echo', { text: 'new token' })).ok).toBe(true)

  expect((await getConnectionWithTokens(serverId, user.id))?.generation).toBe((before?.generation ?? 0) + 1)
  const opened = peer.stats.mcp.sessionIds.slice(sessionsBefore)
  expect(opened).toHaveLength(2)
  // Ended in the background: the call did not wait for it.
  await expect.poll(() => deletesOf([oldSession ?? ''])).toEqual([[200]])
  expect(deletesOf([opened[1] ?? ''])).toEqual([[]])
})

test('invalidating a server’s OAuth (its settings changed) ends every session at the server before revoking the tokens', async () => {
  const { user } = account
  const { serverId, server } = await connectedServer()
  const sessionsBefore = peer.stats.mcp.sessionIds.length
  expect((await callServerTool(user.id, server, 'echo', { text: 'before the change' })).ok).toBe(true)
  const opened = peer.stats.mcp.sessionIds.slice(sessionsBefore)
  expect(opened).toHaveLength(1)
  const revokedBefore = peer.stats.revocations.refreshToken

  const outcome = await invalidateServerOAuth(server)
  expect(outcome).toEqual({ connections: 1, revocationFailures: 0 })
  expect(peer.stats.revocations.refreshToken).toBe(revokedBefore + 1)
  expect(deletesOf(opened)).toEqual([[200]])
  expect(await getConnectionWithTokens(serverId, user.id)).toBeNull()
})

test('a rotation during a running call lets the call finish on the old session, then ends that session', async () => {
  const { user } = account
  const { serverId, server } = await connectedServer()
  const sessionsBefore = peer.stats.mcp.sessionIds.length
  const callsBefore = peer.stats.mcp.toolCalls
  const slow = callServerTool(user.id, server, 'slow', { ms: 3000 })
  await expect.poll(() => peer.stats.mcp.toolCalls).toBe(callsBefore + 1)
  const [oldSession] = peer.stats.mcp.sessionIds.slice(sessionsBefore)

  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  expect((await callServerTool(user.id, server, 'echo', { text: 'new token' })).ok).toBe(true)

  const finished = await slow
  expect(finished.ok ? 'ok' : finished.failure.kind).toBe('ok')
  await expect.poll(() => deletesOf([oldSession ?? ''])).toEqual([[200]])
})

test('after an admin moves the server to another URL, a rotation there never sends its token to the previous host', async () => {
  const { user, cookie } = account
  const hostB = await startSdkAuthServer()
  onTestFinished(() => hostB.close())
  const { serverId, workspaceId, server } = await connectedServer()
  const sessionsBefore = peer.stats.mcp.sessionIds.length
  expect((await callServerTool(user.id, server, 'echo', { text: 'on A' })).ok).toBe(true)
  const [sessionOnA] = peer.stats.mcp.sessionIds.slice(sessionsBefore)
  expect(sessionOnA).toBeTruthy()

  // The admin's edit and the person's Connect at B go through another instance: this process's
  // pool still holds the session opened on A.
  await onAnotherInstance(async () => {
    const input = { name: server.name, url: hostB.mcpUrl, transport: server.transport, authType: server.authType, timeoutMs: server.timeoutMs, enabled: true }
    expect((await updateServer(server, input, null, user.id)).configChanged).toBe(true)
    await connectThroughRoutes({ workspaceId, serverId, cookie })
  })
  const moved = await requireServer(workspaceId, serverId)
  expect(moved.configVersion).toBe(server.configVersion + 1)
  expect((await callServerTool(user.id, moved, 'echo', { text: 'on B' })).ok).toBe(true)
  await expireToken(serverId)
  expect((await callServerTool(user.id, moved, 'echo', { text: 'on B, a new token' })).ok).toBe(true)

  // A's session was ended (in the background), with the credentials it was opened with only.
  await expect.poll(() => deletesOf([sessionOnA ?? ''])[0]?.length).toBe(1)
  const tokensOfB = [...hostB.stats.mcp.authorizations]
  expect(tokensOfB.length).toBeGreaterThanOrEqual(2)
  expect([...peer.stats.mcp.authorizations].filter((value) => tokensOfB.includes(value))).toEqual([])
})

test('a session retired during a running call is still ended by Disconnect, before the revocation', async () => {
  const { user, cookie } = account
  const { serverId, workspaceId, server } = await connectedServer()
  const sessionsBefore = peer.stats.mcp.sessionIds.length
  const callsBefore = peer.stats.mcp.toolCalls
  const slow = callServerTool(user.id, server, 'slow', { ms: 5000 })
  await expect.poll(() => peer.stats.mcp.toolCalls).toBe(callsBefore + 1)
  const [oldSession] = peer.stats.mcp.sessionIds.slice(sessionsBefore)
  await expireToken(serverId)
  expect((await callServerTool(user.id, server, 'echo', { text: 'new token' })).ok).toBe(true)
  const opened = peer.stats.mcp.sessionIds.slice(sessionsBefore)
  expect(opened).toHaveLength(2)
  expect(deletesOf([oldSession ?? ''])).toEqual([[]])

  const result = await settle(() =>
    disconnectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/disconnect`, { intent: 'disconnect', confirm: 'on' }, cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
  // Both ended before the revocation (a DELETE after it would get 401 and leave the session).
  expect(deletesOf(opened)).toEqual([[200], [200]])
  await slow
})

test('a rotation does not wait for the end of the old session at a server slow to end sessions', async () => {
  const { user } = account
  let release = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const slowEnder = await startSdkAuthServer({ beforeSessionDelete: () => gate })
  onTestFinished(async () => {
    release()
    await slowEnder.close()
  })
  const { serverId, server } = await connectedServer(slowEnder)
  expect((await callServerTool(user.id, server, 'echo', { text: 'old token' })).ok).toBe(true)
  const [oldSession] = slowEnder.stats.mcp.sessionIds

  await expireToken(serverId)
  // The call runs although the old session's DELETE is still held by the server.
  expect((await callServerTool(user.id, server, 'echo', { text: 'new token' })).ok).toBe(true)
  await expect.poll(() => slowEnder.stats.mcp.sessionDeletesReceived).toBe(1)
  expect(slowEnder.stats.mcp.sessionDeletes).toEqual([])

  release()
  await expect.poll(() => deletesOf([oldSession ?? ''], slowEnder)).toEqual([[200]])
})

test('ending a session at a server that never answers the DELETE gives up after the server’s timeout', async () => {
  const { user } = account
  const hung = await startSdkAuthServer({ beforeSessionDelete: () => new Promise<void>(() => {}) })
  onTestFinished(() => hung.close())
  const { serverId, server } = await connectedServer(hung)
  await getDb().mcpServer.update({ where: { id: serverId }, data: { timeoutMs: 1000 } })
  const quick = await requireServer(server.workspaceId, serverId)
  expect((await callServerTool(user.id, quick, 'echo', { text: 'one call' })).ok).toBe(true)

  // Disconnect waits for the sessions' end: bounded by the server's timeout, it still completes.
  expect(await getSessionPool().closeSessions(serverId, () => true)).toBe(1)
  expect(hung.stats.mcp.sessionDeletesReceived).toBe(1)
  expect(hung.stats.mcp.sessionDeletes).toEqual([])
})
