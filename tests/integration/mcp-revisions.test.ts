import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest'
import { requireServer } from '#app/models/server.server.ts'
import { probeRow } from '#app/models/server-probe.server.ts'
import { callServerTool, listServerTools } from '#app/mcp/tools.server.ts'
import { probeMcpServer } from '#app/mcp/probe.server.ts'
import { openMcpClient } from '#app/mcp/transport/client.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { action as serverPageAction } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { startDemoServers } from '#scripts/demo/start.ts'
import { autoApprove, connectThroughRoutes, finishCallbackRoute, startConnectRoute } from '#tests/multi-instance/oauth-kit.ts'
import { type McpPeerEra } from '#tests/servers/mcp-v2-endpoint.ts'
import { type OidcMcpServer, startOidcMcpServer } from '#tests/servers/oidc-provider-server.ts'
import { startPreregisteredServer } from '#tests/servers/preregistered-server.ts'
import { startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { BASE_URL, createTestUser, formRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

// Issue 12: the same journeys against a server on the v1 SDK (2025-11-25), one on the v2 server
// package speaking only 2026-07-28 (legacy rejected), and one on v2 with the legacy fallback.
// Each: probe, Connect (dynamic registration and a pre-registered client), tools list and call,
// step-up, refresh and Disconnect; the agreed revision is remembered for the server.

const ERAS: Array<{ era: McpPeerEra; revision: string }> = [
  { era: 'v1', revision: '2025-11-25' },
  { era: '2026-only', revision: '2026-07-28' },
  { era: '2026-and-legacy', revision: '2026-07-28' },
]

let account: { id: string; workspaceId: string; cookie: string }

beforeAll(async () => {
  const user = await createTestUser('Revisions')
  account = { id: user.id, workspaceId: user.workspaceId, cookie: await sessionCookieFor(user.id) }
})
afterAll(async () => {
  await getSessionPool().closeAll()
})

/** Adds the server as the Add flow does: probed first, the probe stored on the server. */
async function addProbedServer(url: string) {
  const probe = await probeMcpServer({ url, transport: 'auto', headers: {}, timeoutMs: 10_000 })
  const created = await getDb().mcpServer.create({
    data: {
      workspaceId: account.workspaceId,
      name: `Revisions ${Math.random().toString(36).slice(2, 10)}`,
      url,
      authType: 'oauth',
      timeoutMs: 10_000,
      probe: { create: probeRow(probe) },
    },
    select: { id: true },
  })
  return { probe, serverId: created.id }
}

const storedRevision = async (serverId: string) =>
  (await getDb().serverProbe.findUnique({ where: { serverId }, select: { protocolVersion: true } }))?.protocolVersion ?? null

async function disconnect(serverId: string) {
  const result = await settle(() =>
    disconnectAction({
      request: formRequest(`/w/${account.workspaceId}/servers/${serverId}/disconnect`, { intent: 'disconnect', confirm: 'on' }, account.cookie),
      params: { workspaceId: account.workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
}

test.each(ERAS)('$era: probe, Connect by dynamic registration, tools, step-up, refresh and Disconnect, speaking $revision', async ({ era, revision }) => {
  const peer = await startSdkAuthServer({ mcpEra: era, toolScopes: { create_ticket: 'tickets:write' } })
  onTestFinished(() => peer.close())
  const { probe, serverId } = await addProbedServer(peer.mcpUrl)
  expect(probe.outcome).toBe('oauth')
  expect(probe.resourceMetadataUrl).toBe(peer.resourceMetadataUrl)

  await connectThroughRoutes({ workspaceId: account.workspaceId, serverId, cookie: account.cookie })
  expect(peer.stats.registrations).toBe(1)
  let server = await requireServer(account.workspaceId, serverId)
  const tools = await listServerTools(account.id, server)
  expect(tools.ok ? tools.value.map((tool) => tool.name) : tools.failure).toEqual(expect.arrayContaining(['echo', 'add', 'create_ticket']))
  // Known once connected (the probe met the sign-in wall), and remembered for the next session.
  expect(await storedRevision(serverId)).toBe(revision)

  const echo = await callServerTool(account.id, server, 'echo', { message: `hello ${era}` })
  expect(echo.ok ? echo.value.result : echo.failure).toMatchObject({ content: [{ type: 'text', text: `hello ${era}` }] })
  const added = await callServerTool(account.id, server, 'add', { a: 2, b: 3 })
  expect(added.ok ? added.value.result : added.failure).toMatchObject({ structuredContent: { sum: 5 } })

  // Step-up: the ticket tool needs a scope the first sign-in did not ask for.
  const refused = await callServerTool(account.id, server, 'create_ticket', { title: 'Step up', labels: [] })
  expect(refused.ok ? null : refused.failure).toMatchObject({ kind: 'insufficient_scope', action: 'step_up', scopes: 'mcp:tools tickets:write' })
  const started = await startConnectRoute(account.workspaceId, serverId, account.cookie, { intent: 'step-up', scopes: 'mcp:tools tickets:write', tool: 'create_ticket' })
  expect(started.status).toBe(302)
  const finished = await finishCallbackRoute(await autoApprove(started.location), account.cookie)
  expect(finished.status).toBe(302)
  server = await requireServer(account.workspaceId, serverId)
  const ticket = await callServerTool(account.id, server, 'create_ticket', { title: 'Step up', labels: [] })
  expect(ticket.ok ? ticket.value.result : ticket.failure).toMatchObject({ content: [{ type: 'text', text: expect.stringContaining('Created ticket DEMO-1') }] })

  // Refresh: an access token Switchboard holds as expired is renewed before the next call.
  const refreshesBefore = peer.stats.tokenRequests.refresh_token ?? 0
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  const afterRefresh = await callServerTool(account.id, server, 'echo', { message: 'renewed' })
  expect(afterRefresh.ok ? 'ok' : afterRefresh.failure.kind).toBe('ok')
  expect(peer.stats.tokenRequests.refresh_token ?? 0).toBe(refreshesBefore + 1)

  const revokedBefore = peer.stats.revocations.refreshToken
  await disconnect(serverId)
  expect(peer.stats.revocations.refreshToken).toBe(revokedBefore + 1)
  const after = await listServerTools(account.id, server)
  expect(after.ok ? null : after.failure.kind).toBe('oauth_not_connected')
})

test.each(ERAS)('$era: a pre-registered client connects and calls tools', async ({ era, revision }) => {
  const peer = await startPreregisteredServer({ mcpEra: era, clientId: `prereg-${era}`, clientSecret: 'prereg-secret', redirectUris: [`${BASE_URL}/oauth/callback`] })
  onTestFinished(() => peer.close())
  const { serverId } = await addProbedServer(peer.mcpUrl)
  const saved = await settle(() =>
    serverPageAction({
      request: formRequest(
        `/w/${account.workspaceId}/servers/${serverId}`,
        { intent: 'set-oauth-client', clientId: `prereg-${era}`, clientSecret: 'prereg-secret', authMethod: 'client_secret_basic' },
        account.cookie,
      ),
      params: { workspaceId: account.workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(saved)).toBe(302)
  await connectThroughRoutes({ workspaceId: account.workspaceId, serverId, cookie: account.cookie })
  expect(peer.stats.registrationRequests).toBe(0)
  const server = await requireServer(account.workspaceId, serverId)
  const echo = await callServerTool(account.id, server, 'echo', { message: 'pre-registered' })
  expect(echo.ok ? echo.value.result : echo.failure).toMatchObject({ content: [{ text: 'pre-registered' }] })
  expect(await storedRevision(serverId)).toBe(revision)
  await disconnect(serverId)
  expect(peer.stats.revocations.refreshToken).toBe(1)
})

let oidc: OidcMcpServer | undefined
afterAll(async () => {
  await oidc?.close()
})

test('2026-only behind oidc-provider (its own origin, JWT access tokens): Connect, call, Disconnect', async () => {
  oidc = await startOidcMcpServer({ mcpEra: '2026-only' })
  const { serverId } = await addProbedServer(oidc.mcpUrl)
  const peer = oidc
  await connectThroughRoutes({ workspaceId: account.workspaceId, serverId, cookie: account.cookie, approve: (url) => peer.approveAuthorization(url) })
  const server = await requireServer(account.workspaceId, serverId)
  const echo = await callServerTool(account.id, server, 'echo', { message: 'oidc' })
  expect(echo.ok ? echo.value.result : echo.failure).toMatchObject({ content: [{ text: 'oidc' }] })
  expect(await storedRevision(serverId)).toBe('2026-07-28')
  await disconnect(serverId)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
})

test('the demo that speaks only 2026-07-28 probes as open, names its revision, and its tools work', async () => {
  const demo = await startDemoServers({ port: 0, keyPort: 0, oauthPort: 0, oauthIssuerPort: 0 })
  onTestFinished(() => demo.close())
  expect(demo.describe().join('\n')).toContain(`${demo.modern.url}  speaks only MCP 2026-07-28`)
  // Before issue 12 Switchboard opened with `initialize` and got "HTTP 400, not an MCP response".
  const refused = await fetch(demo.modern.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } } }),
  })
  expect(refused.status).toBe(400)

  const probe = await probeMcpServer({ url: demo.modern.url, transport: 'auto', headers: {}, timeoutMs: 10_000 })
  expect(probe).toMatchObject({ outcome: 'open', transport: 'streamable-http', protocolVersion: '2026-07-28', serverName: 'switchboard-demo-2026', toolCount: 4 })
  const created = await getDb().mcpServer.create({
    data: { workspaceId: account.workspaceId, name: 'Demo 2026', url: demo.modern.url, authType: 'none', timeoutMs: 10_000, probe: { create: probeRow(probe) } },
    select: { id: true },
  })
  const server = await requireServer(account.workspaceId, created.id)
  expect(server.probeProtocolVersion).toBe('2026-07-28')
  const call = await callServerTool(account.id, server, 'add', { a: 40, b: 2 })
  expect(call.ok ? call.value.result : call.failure).toMatchObject({ structuredContent: { sum: 42 } })
  // Every 2026-07-28 request names its revision in the standard header.
  expect(demo.modern.stats.lastProtocolVersionHeader).toBe('2026-07-28')
})

test('a server remembered as 2025-era that now speaks only 2026-07-28 is renegotiated, not refused', async () => {
  const demo = await startDemoServers({ port: 0, keyPort: 0, oauthPort: 0, oauthIssuerPort: 0 })
  onTestFinished(() => demo.close())
  const opened = await openMcpClient({ url: demo.modern.url, transport: 'auto', headers: {}, timeoutMs: 10_000, protocolVersion: '2025-11-25' })
  onTestFinished(() => opened.client.close())
  expect(opened.protocolVersion).toBe('2026-07-28')
  // And a 2025-era server remembered as such opens with `initialize` alone: no server/discover probe.
  const initializedBefore = demo.open.stats.initializeCount
  const requestsBefore = demo.open.stats.requestCount
  const legacy = await openMcpClient({ url: demo.open.url, transport: 'auto', headers: {}, timeoutMs: 10_000, protocolVersion: '2025-11-25' })
  onTestFinished(() => legacy.client.close())
  expect(legacy.protocolVersion).toBe('2025-11-25')
  expect(demo.open.stats.initializeCount).toBe(initializedBefore + 1)
  // initialize and notifications/initialized, nothing else.
  expect(demo.open.stats.requestCount - requestsBefore).toBe(2)
})
