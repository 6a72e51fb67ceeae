import { afterAll, beforeAll, expect, test } from 'vitest'
import { requireServer } from '#app/models/server.server.ts'
import { listServerTools, callServerTool } from '#app/mcp/tools.server.ts'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type OidcMcpServer, startOidcMcpServer } from '#tests/servers/oidc-provider-server.ts'
import { createTestUser, formRequest, getRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

let peer: OidcMcpServer

beforeAll(async () => {
  peer = await startOidcMcpServer()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await peer?.close()
})

async function setup() {
  const user = await createTestUser('Connector')
  const cookie = await sessionCookieFor(user.id)
  const server = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: `OIDC ${user.id.slice(-4)}`, url: peer.mcpUrl, authType: 'oauth', timeoutMs: 10_000 },
    select: { id: true },
  })
  return { user, cookie, serverId: server.id, workspaceId: user.workspaceId }
}

async function connect(workspaceId: string, serverId: string, cookie: string) {
  const result = await settle(() =>
    connectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/connect`, { intent: 'connect' }, cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )
  return result
}

test('Connect → consent → callback stores tokens; tools work with them; Disconnect revokes', async () => {
  const { user, cookie, serverId, workspaceId } = await setup()
  const started = await connect(workspaceId, serverId, cookie)
  expect(statusOf(started)).toBe(302)
  const location = headersOf(started).get('Location') ?? ''
  expect(location.startsWith(`${peer.issuer}/`)).toBe(true)
  const authorizeUrl = new URL(location)
  expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256')
  expect(authorizeUrl.searchParams.get('resource')).toBe(peer.mcpUrl)
  expect(headersOf(started).get('Cache-Control')).toBe('no-store')

  const back = new URL(await peer.approveAuthorization(location))
  expect(back.searchParams.get('iss')).toBe(peer.issuer)
  const callback = await settle(() =>
    callbackLoader({ request: getRequest(`${back.pathname}${back.search}`, cookie), params: {}, context: loadContext() }),
  )
  expect(statusOf(callback)).toBe(302)
  expect(headersOf(callback).get('Location')).toBe(`/w/${workspaceId}/servers/${serverId}`)

  const row = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId } })
  expect(row.status).toBe('connected')
  expect(row.issuer).toBe(peer.issuer)
  expect(row.clientKind).toBe('dynamic')
  // Stored encrypted: the ciphertext is not the token.
  expect(row.accessToken).toMatch(/^v1\./)
  expect(row.accessToken).not.toContain('eyJ')
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(0)

  const server = await requireServer(workspaceId, serverId)
  const tools = await listServerTools(user.id, server)
  expect(tools.ok).toBe(true)
  const call = await callServerTool(user.id, server, 'echo', { text: 'hi' })
  expect(call.ok).toBe(true)

  // A replayed callback finds nothing.
  const replay = await settle(() =>
    callbackLoader({ request: getRequest(`${back.pathname}${back.search}`, cookie), params: {}, context: loadContext() }),
  )
  expect(statusOf(replay)).toBe(400)

  const revokedBefore = peer.stats.revocations.refreshToken
  const disconnected = await settle(() =>
    disconnectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/disconnect`, { intent: 'disconnect', confirm: 'on' }, cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(disconnected)).toBe(302)
  expect(peer.stats.revocations.refreshToken).toBe(revokedBefore + 1)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
  const after = await listServerTools(user.id, server)
  expect(after.ok ? null : after.failure.kind).toBe('oauth_not_connected')
})
