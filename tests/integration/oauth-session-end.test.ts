import { afterAll, beforeAll, expect, test } from 'vitest'
import { getConnectionWithTokens } from '#app/models/oauth-store.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { callServerTool } from '#app/models/tools.server.ts'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/utils/mcp-sessions.server.ts'
import { invalidateServerOAuth } from '#app/utils/oauth.server.ts'
import { connectThroughRoutes } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { createTestUser, formRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

// MCP sessions opened with a token end at the server (the Streamable HTTP DELETE) with a token
// that still works: before the revocation on Disconnect or an invalidation, with the new token
// after a rotation.

let peer: SdkAuthServer
let account: { user: Awaited<ReturnType<typeof createTestUser>>; cookie: string }

beforeAll(async () => {
  const user = await createTestUser('Session ender')
  account = { user, cookie: await sessionCookieFor(user.id) }
  peer = await startSdkAuthServer()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await peer?.close()
})

async function connectedServer() {
  const { user, cookie } = account
  const created = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: `Sessions ${Math.random().toString(36).slice(2, 10)}`, url: peer.mcpUrl, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
    select: { id: true },
  })
  await connectThroughRoutes({ workspaceId: user.workspaceId, serverId: created.id, cookie })
  return { serverId: created.id, workspaceId: user.workspaceId, server: await requireServer(user.workspaceId, created.id) }
}

/** The DELETE answers the peer gave for these sessions. */
function deletesOf(sessionIds: string[]) {
  return sessionIds.map((id) => peer.stats.mcp.sessionDeletes.filter((entry) => entry.sessionId === id).map((entry) => entry.status))
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
  expect(deletesOf([oldSession ?? ''])).toEqual([[200]])
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
