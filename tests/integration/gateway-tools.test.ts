import http from 'node:http'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitationCompleteNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { requireServer } from '#app/models/server.server.ts'
import { setServerHeader } from '#app/models/server-headers.server.ts'
import { saveToolRules } from '#app/models/tool-policy.server.ts'
import { listServerTools } from '#app/mcp/tools.server.ts'
import { loader as serverPageLoader } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { API_KEY_HEADER, type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { autoApprove, connectThroughRoutes, finishCallbackRoute, startConnectRoute } from '#tests/multi-instance/oauth-kit.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { type GatewayServer, createAgentGrant, startEndpointServer } from '#tests/support/gateway-server.ts'
import { type TestUser, createTestUser, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

// The aggregated workspace endpoint /mcp/<workspace> (issue 13, points 1, 3 and 4; ADR 034), after the bearer
// check: real MCP clients (the v2 SDK on 2026-07-28, the v1 SDK on 2025-11-25) against an open, a header-protected
// and an OAuth upstream, connected as the person through Switchboard's own Connect routes.

const API_KEY = 'agg-test-key'
let open: DemoMcpServer
let keyed: DemoMcpServer
let oauth: SdkAuthServer
/** Its echo tool needs a scope beyond the first sign-in's (403 insufficient_scope). */
let scoped: SdkAuthServer
let hung: { url: string; held: () => number; close(): Promise<void> }
const endpoints: GatewayServer[] = []
const clients: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  ;[open, keyed, oauth, hung, scoped] = await Promise.all([
    startDemoMcpServer(),
    startDemoMcpServer({ apiKey: API_KEY }),
    startSdkAuthServer(),
    startHungServer(),
    startSdkAuthServer({ toolScopes: { echo: 'tickets:write' } }),
  ])
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => {})))
  await getSessionPool().closeAll()
  await Promise.all(endpoints.map((endpoint) => endpoint.close()))
  await Promise.all([open?.close(), keyed?.close(), oauth?.close(), hung?.close(), scoped?.close()])
})

/** An MCP server that accepts every request and never answers it. */
async function startHungServer() {
  let held = 0
  const server = http.createServer((req) => {
    held++
    req.on('close', () => held--)
  })
  const origin = await listenOnLoopback(server)
  return { url: `${origin}/mcp`, held: () => held, close: () => closeServer(server) }
}

type Workspace = { user: TestUser; cookie: string; ids: { open: string; keyed: string; oauth: string } }

/** A person with an open, a header-protected and an OAuth server (not connected yet unless `connect`). */
async function workspace(options: { connect?: boolean; oauthUrl?: string } = {}): Promise<Workspace> {
  const user = await createTestUser('Agent user')
  const cookie = await sessionCookieFor(user.id)
  const create = (name: string, url: string, authType: 'none' | 'oauth' = 'none') =>
    getDb()
      .mcpServer.create({ data: { workspaceId: user.workspaceId, name, url, authType, timeoutMs: 10_000 }, select: { id: true } })
      .then((row) => row.id)
  const ids = { open: await create('Open Demo', open.url), keyed: await create('Keyed', keyed.url), oauth: await create('Auth Peer', options.oauthUrl ?? oauth.mcpUrl, 'oauth') }
  await setServerHeader(await requireServer(user.workspaceId, ids.keyed), API_KEY_HEADER, API_KEY)
  if (options.connect) await connectThroughRoutes({ workspaceId: user.workspaceId, serverId: ids.oauth, cookie })
  return { user, cookie, ids }
}

async function endpointFor(caller: AgentCaller): Promise<GatewayServer> {
  const endpoint = await startEndpointServer(caller)
  endpoints.push(endpoint)
  return endpoint
}

function endpointUrl(endpoint: GatewayServer, workspaceId: string): URL {
  return new URL(`/mcp/${workspaceId}`, endpoint.publicOrigin)
}

/** The v2 SDK client on 2026-07-28 (version negotiation `auto`: server/discover). */
async function modernClient(endpoint: GatewayServer, workspaceId: string, capabilities: Record<string, unknown> = {}) {
  const client = new Client({ name: 'modern-agent', version: '1' }, { capabilities, versionNegotiation: { mode: 'auto' } })
  await client.connect(new StreamableHTTPClientTransport(endpointUrl(endpoint, workspaceId), { fetch: endpoint.fetch }))
  clients.push(client)
  expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28')
  return client
}

/** The v1 SDK client on 2025-11-25 (initialize, Mcp-Session-Id). */
async function legacyClient(endpoint: GatewayServer, workspaceId: string, capabilities: Record<string, unknown> = {}) {
  const client = new V1Client({ name: 'legacy-agent', version: '1' }, { capabilities })
  const transport = new V1Transport(endpointUrl(endpoint, workspaceId), { fetch: endpoint.fetch })
  await client.connect(transport)
  clients.push(client)
  expect(transport.protocolVersion).toBe('2025-11-25')
  return { client, transport }
}

const names = (tools: ReadonlyArray<{ name: string }>) => tools.map((tool) => tool.name).sort()

test('tools/list holds every server’s tools with their prefix, schemas and annotations unchanged, for a 2026 and a 2025 client; calls reach the right server', async () => {
  const { user, ids } = await workspace({ connect: true })
  const caller = await createAgentGrant(user, { clientName: 'Claude Code' })
  const endpoint = await endpointFor(caller)

  const direct = await listServerTools(user.id, await requireServer(user.workspaceId, ids.open))
  if (!direct.ok) throw new Error('the demo server did not list its tools')
  const modern = await modernClient(endpoint, user.workspaceId)
  const listed = (await modern.listTools()).tools
  const { client: legacy } = await legacyClient(endpoint, user.workspaceId)
  const legacyListed = (await legacy.listTools()).tools
  for (const tools of [listed, legacyListed]) {
    for (const prefix of ['open-demo', 'keyed', 'auth-peer']) {
      expect(names(tools)).toEqual(expect.arrayContaining([`${prefix}_echo`, `${prefix}_add`, `${prefix}_slow`]))
    }
    expect(tools).toHaveLength(3 * direct.value.length)
    // Passed through unchanged but for the name, and task support (this endpoint runs no tasks).
    for (const { execution: _tasks, ...tool } of direct.value) {
      const mine = tools.find((candidate) => candidate.name === `open-demo_${tool.name}`)
      expect(mine).toEqual({ ...tool, name: `open-demo_${tool.name}` })
    }
  }
  const add = listed.find((tool) => tool.name === 'keyed_add')
  expect(add?.outputSchema).toMatchObject({ properties: { sum: { type: 'number' } } })
  expect(add?.annotations).toEqual({ readOnlyHint: true, idempotentHint: true, openWorldHint: false })

  const before = { open: open.stats.toolCalls, keyed: keyed.stats.toolCalls, oauth: oauth.stats.mcp.toolCalls }
  expect(await modern.callTool({ name: 'keyed_add', arguments: { a: 2, b: 3 } })).toMatchObject({ structuredContent: { sum: 5 } })
  expect(keyed.stats.toolCalls).toBe(before.keyed + 1)
  expect(await legacy.callTool({ name: 'auth-peer_echo', arguments: { message: 'secret-argument' } })).toMatchObject({
    content: [{ type: 'text', text: 'secret-argument' }],
  })
  expect(oauth.stats.mcp.toolCalls).toBe(before.oauth + 1)
  // Progress of the upstream reaches the agent.
  const progress: number[] = []
  await modern.callTool({ name: 'open-demo_slow', arguments: { ms: 1_500 } }, { onprogress: (p) => progress.push(p.progress) })
  expect(progress.length).toBeGreaterThan(0)
  expect(open.stats.toolCalls).toBe(before.open + 1)

  const rows = await getDb().toolCall.findMany({ where: { workspaceId: user.workspaceId }, orderBy: { createdAt: 'asc' } })
  expect(rows.map((row) => [row.serverId, row.toolName, row.outcome])).toEqual([
    [ids.keyed, 'add', 'success'],
    [ids.oauth, 'echo', 'success'],
    [ids.open, 'slow', 'success'],
  ])
  for (const row of rows) {
    expect(row).toMatchObject({ via: 'agent', userId: user.id, agentClientId: caller.clientId, agentClientName: 'Claude Code', arguments: null })
  }
})

test('a hung server is left out of the list once its own timeout passes, while it still holds the request', async () => {
  const { user } = await workspace({ connect: true })
  await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Hung', url: hung.url, timeoutMs: 1_500 }, select: { id: true } })
  const endpoint = await endpointFor(await createAgentGrant(user))
  const client = await modernClient(endpoint, user.workspaceId)
  const heldBefore = hung.held()
  const tools = (await client.listTools()).tools
  expect(hung.held()).toBeGreaterThan(heldBefore)
  expect(names(tools).some((name) => name.startsWith('hung_'))).toBe(false)
  expect(names(tools)).toEqual(expect.arrayContaining(['open-demo_echo', 'keyed_echo', 'auth-peer_echo']))
})

test('a server not available to agents and a disabled tool vanish from the list; their calls are refused and recorded as refused', async () => {
  const { user, ids } = await workspace({ connect: true })
  await getDb().mcpServer.update({ where: { id: ids.keyed }, data: { availableToAgents: false } })
  await saveToolRules(ids.open, user.id, [{ toolName: 'echo', enabled: false, needsConfirmation: false }])
  const caller = await createAgentGrant(user)
  const client = await modernClient(await endpointFor(caller), user.workspaceId)
  const tools = names((await client.listTools()).tools)
  expect(tools.some((name) => name.startsWith('keyed_'))).toBe(false)
  expect(tools).not.toContain('open-demo_echo')
  expect(tools).toContain('open-demo_add')

  const callsBefore = { open: open.stats.toolCalls, keyed: keyed.stats.toolCalls }
  const refusedTool = await client.callTool({ name: 'open-demo_echo', arguments: { message: 'x' } })
  expect(refusedTool).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('turned off the tool “echo”') }] })
  const refusedServer = await client.callTool({ name: 'keyed_echo', arguments: { message: 'x' } })
  expect(refusedServer).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('not made Keyed available to agents') }] })
  const unknown = await client.callTool({ name: 'nope_echo', arguments: {} })
  expect(unknown).toMatchObject({ isError: true })
  expect({ open: open.stats.toolCalls, keyed: keyed.stats.toolCalls }).toEqual(callsBefore)
  const rows = await getDb().toolCall.findMany({ where: { workspaceId: user.workspaceId }, orderBy: { createdAt: 'asc' } })
  expect(rows.map((row) => [row.serverId, row.toolName, row.outcome, row.via])).toEqual([
    [ids.open, 'echo', 'refused', 'agent'],
    [ids.keyed, 'echo', 'refused', 'agent'],
  ])
})

test('2026: a call that needs an upstream sign-in asks by URL elicitation for Switchboard’s page; after Connect the SDK’s retry gets the result', async () => {
  const { user, cookie, ids } = await workspace()
  const caller = await createAgentGrant(user)
  const endpoint = await endpointFor(caller)
  const client = await modernClient(endpoint, user.workspaceId, { elicitation: { url: {} } })
  const pageUrl = new URL(`/w/${user.workspaceId}/servers/${ids.oauth}?agent=1`, getEnv().PUBLIC_URL).href
  // Not connected: the server shows its stand-in tool only.
  const listed = names((await client.listTools()).tools)
  expect(listed.filter((name) => name.startsWith('auth-peer_'))).toEqual(['auth-peer_connect'])

  const asked: Array<Record<string, unknown>> = []
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(request.params)
    // The person follows the link: Switchboard's page, then Connect (as the browser would), then the agent accepts.
    await connectThroughRoutes({ workspaceId: user.workspaceId, serverId: ids.oauth, cookie })
    return { action: 'accept' }
  })
  const result = await client.callTool({ name: 'auth-peer_echo', arguments: { message: 'after sign-in' } })
  expect(result).toMatchObject({ content: [{ type: 'text', text: 'after sign-in' }] })
  expect(asked).toEqual([{ mode: 'url', url: pageUrl, message: expect.stringContaining('Sign in to Auth Peer in Switchboard') }])
  expect(JSON.stringify(asked)).not.toContain(new URL(oauth.mcpUrl).origin)
  const elicitations = await getDb().agentElicitation.findMany({ where: { userId: user.id } })
  expect(elicitations).toEqual([expect.objectContaining({ serverId: ids.oauth, grantId: caller.grantId, reason: 'connect', completedAt: expect.any(Date) })])
  expect(names((await client.listTools()).tools)).toContain('auth-peer_echo')
  const rows = await getDb().toolCall.findMany({ where: { workspaceId: user.workspaceId }, orderBy: { createdAt: 'asc' }, select: { outcome: true } })
  expect(rows.map((row) => row.outcome)).toEqual(['reauth_required', 'success'])
})

test('a server whose one sign-in is shared says that an owner or admin connects it, not the person', async () => {
  const { user, ids } = await workspace()
  await getDb().serverOAuthClient.upsert({ where: { serverId: ids.oauth }, create: { serverId: ids.oauth, shared: true }, update: { shared: true } })
  const caller = await createAgentGrant(user)
  const client = await modernClient(await endpointFor(caller), user.workspaceId)
  const standIn = (await client.listTools()).tools.find((tool) => tool.name === 'auth-peer_connect')
  expect(standIn?.title).toBe("Auth Peer waits for the workspace's sign-in")
  const result = await client.callTool({ name: 'auth-peer_echo', arguments: { message: 'shared' } })
  expect(result).toMatchObject({ isError: true })
  const text = JSON.stringify(result.content)
  expect(text).toContain('Auth Peer uses one sign-in for the whole workspace, and it has no sign-in yet.')
  expect(text).toContain('An owner or admin of the workspace opens the page in Switchboard and presses Connect')
  expect(text).toContain(`/w/${user.workspaceId}/servers/${ids.oauth}?agent=1`)
})

test('2025: a client that declared elicitation.url gets -32042 with the page URL; it follows it, connects, is notified on its session stream, and the retry works; sessions live in the database', async () => {
  const { user, cookie, ids } = await workspace()
  const caller = await createAgentGrant(user)
  const endpoint = await endpointFor(caller)
  const { client, transport } = await legacyClient(endpoint, user.workspaceId, { elicitation: { url: {} } })
  // The session's GET stream carries notifications/elicitation/complete.
  const completed: string[] = []
  client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => {
    completed.push(notification.params.elicitationId)
  })
  const session = await getDb().agentSession.findMany({ where: { grantId: caller.grantId } })
  expect(session).toEqual([expect.objectContaining({ protocolVersion: '2025-11-25' })])
  expect(JSON.parse(session[0]?.capabilities ?? '{}')).toEqual({ elicitation: { url: {} } })
  expect(session[0]?.idHash).not.toBe(transport.sessionId)

  const error = await client.callTool({ name: 'auth-peer_echo', arguments: { message: 'x' } }).then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toMatchObject({ code: -32042 })
  const data = (error as { data?: { elicitations?: Array<{ mode: string; url: string; elicitationId: string }> } }).data
  const elicitation = data?.elicitations?.[0]
  expect(elicitation).toMatchObject({ mode: 'url', url: new URL(`/w/${user.workspaceId}/servers/${ids.oauth}?agent=1`, getEnv().PUBLIC_URL).href })
  const row = await getDb().agentElicitation.findUniqueOrThrow({ where: { id: elicitation?.elicitationId ?? '' } })
  expect(row.sessionIdHash).toBe(session[0]?.idHash)

  // The person follows the URL: Switchboard's server page, for them (not a redirect elsewhere), then Connect.
  const page = new URL(elicitation?.url ?? '')
  const shown = await settle(() => serverPageLoader({ request: getRequest(`${page.pathname}${page.search}`, cookie), params: { workspaceId: user.workspaceId, serverId: ids.oauth }, context: loadContext() }))
  expect(statusOf(shown)).toBe(200)
  await connectThroughRoutes({ workspaceId: user.workspaceId, serverId: ids.oauth, cookie })
  expect((await getDb().agentElicitation.findUniqueOrThrow({ where: { id: row.id } })).completedAt).not.toBeNull()
  await expect.poll(() => completed, { timeout: 10_000 }).toEqual([row.id])
  expect((await getDb().agentElicitation.findUniqueOrThrow({ where: { id: row.id } })).notifiedAt).not.toBeNull()
  expect(await client.callTool({ name: 'auth-peer_echo', arguments: { message: 'retried' } })).toMatchObject({
    content: [{ type: 'text', text: 'retried' }],
  })

  // DELETE ends the session (204) and removes its row; the id is then unknown (404).
  const sessionId = transport.sessionId ?? ''
  await transport.terminateSession()
  expect(await getDb().agentSession.count({ where: { grantId: caller.grantId } })).toBe(0)
  const stale = await endpoint.fetch(endpointUrl(endpoint, user.workspaceId), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
  })
  expect(stale.status).toBe(404)
  const unknownDelete = await endpoint.fetch(endpointUrl(endpoint, user.workspaceId), {
    method: 'DELETE',
    headers: { 'Mcp-Session-Id': 'made-up', 'MCP-Protocol-Version': '2025-11-25' },
  })
  expect(unknownDelete.status).toBe(404)
})

test('a client without URL elicitation gets a tool error whose text gives Switchboard’s page for the server', async () => {
  const { user, ids } = await workspace()
  const caller = await createAgentGrant(user)
  const endpoint = await endpointFor(caller)
  const pageUrl = new URL(`/w/${user.workspaceId}/servers/${ids.oauth}?agent=1`, getEnv().PUBLIC_URL).href
  const modern = await modernClient(endpoint, user.workspaceId)
  const { client: legacy } = await legacyClient(endpoint, user.workspaceId)
  for (const client of [modern, legacy]) {
    const result = await client.callTool({ name: 'auth-peer_connect', arguments: {} })
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining(pageUrl) }] })
  }
  expect(await getDb().agentElicitation.count({ where: { userId: user.id } })).toBe(0)
})

test('2026: “accept” only means the person opened the page; the retry waits for the Connect to finish, then runs the call', async () => {
  const { user, cookie, ids } = await workspace()
  const client = await modernClient(await endpointFor(await createAgentGrant(user)), user.workspaceId, { elicitation: { url: {} } })
  let connecting: Promise<unknown> | null = null
  client.setRequestHandler('elicitation/create', async () => {
    // The agent opens the browser and answers at once; the person signs in a moment later.
    connecting = new Promise((resolve) => setTimeout(resolve, 700)).then(() =>
      connectThroughRoutes({ workspaceId: user.workspaceId, serverId: ids.oauth, cookie }),
    )
    return { action: 'accept' }
  })
  const result = await client.callTool({ name: 'auth-peer_connect', arguments: {} })
  await connecting
  expect(result).toMatchObject({ content: [{ type: 'text', text: 'You are signed in to Auth Peer. List the tools again to see its tools.' }] })
  expect(result.isError).toBeFalsy()
  // The stand-in ran no tool of the server: only the stop for the sign-in is a recorded call.
  const rows = await getDb().toolCall.findMany({ where: { workspaceId: user.workspaceId }, select: { toolName: true, outcome: true } })
  expect(rows).toEqual([{ toolName: 'connect', outcome: 'reauth_required' }])
})

test('a tool an admin wants confirmed: a 2026 agent with form elicitation asks its person; others are refused with a sentence', async () => {
  const { user, ids } = await workspace()
  await saveToolRules(ids.open, user.id, [{ toolName: 'echo', enabled: true, needsConfirmation: true }])
  const endpoint = await endpointFor(await createAgentGrant(user))
  const modern = await modernClient(endpoint, user.workspaceId, { elicitation: { form: {} } })
  const answers = [true, false]
  const asked: unknown[] = []
  modern.setRequestHandler('elicitation/create', async (request) => {
    asked.push(request.params)
    return { action: 'accept', content: { confirm: answers.shift() ?? false } }
  })
  expect(await modern.callTool({ name: 'open-demo_echo', arguments: { message: 'confirmed' } })).toMatchObject({
    content: [{ type: 'text', text: 'confirmed' }],
  })
  expect(asked[0]).toMatchObject({ message: expect.stringContaining('confirm each call of “echo” of Open Demo') })
  expect(await modern.callTool({ name: 'open-demo_echo', arguments: { message: 'no' } })).toMatchObject({
    isError: true,
    content: [{ type: 'text', text: expect.stringContaining('was not confirmed') }],
  })
  const { client: legacy } = await legacyClient(endpoint, user.workspaceId)
  expect(await legacy.callTool({ name: 'open-demo_echo', arguments: { message: 'x' } })).toMatchObject({
    isError: true,
    content: [{ type: 'text', text: expect.stringContaining(`/w/${user.workspaceId}/servers/${ids.open}`) }],
  })
  const rows = await getDb().toolCall.findMany({ where: { workspaceId: user.workspaceId }, orderBy: { createdAt: 'asc' }, select: { outcome: true } })
  expect(rows.map((row) => row.outcome)).toEqual(['success', 'refused', 'refused'])
})

test('a requestState is bound to the grant: another app of the same person cannot replay it', async () => {
  const { user, ids } = await workspace()
  const manual = { inputRequired: { autoFulfill: false } }
  const first = new Client({ name: 'first', version: '1' }, { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: 'auto' }, ...manual })
  const firstEndpoint = await endpointFor(await createAgentGrant(user))
  await first.connect(new StreamableHTTPClientTransport(endpointUrl(firstEndpoint, user.workspaceId), { fetch: firstEndpoint.fetch }))
  clients.push(first)
  const asked = await first.callTool({ name: 'auth-peer_echo', arguments: { message: 'x' } }, { allowInputRequired: true })
  expect(asked).toMatchObject({ resultType: 'input_required', requestState: expect.any(String) })
  const requestState = 'requestState' in asked ? String(asked.requestState) : ''

  const second = new Client({ name: 'second', version: '1' }, { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: 'auto' }, ...manual })
  const secondEndpoint = await endpointFor(await createAgentGrant(user))
  await second.connect(new StreamableHTTPClientTransport(endpointUrl(secondEndpoint, user.workspaceId), { fetch: secondEndpoint.fetch }))
  clients.push(second)
  // The retry's params as the MRTR driver sends them (declining, so that the app's own retry answers at once).
  const retry = { name: 'auth-peer_echo', arguments: { message: 'x' }, requestState, inputResponses: { 'sign-in': { action: 'decline' } } }
  const replayed = await second
    .callTool(retry, { allowInputRequired: true })
    .then(
      () => null,
      (error: unknown) => error,
    )
  expect(replayed).toMatchObject({ code: -32602 })
  // The app it was issued to may use it.
  expect(await first.callTool(retry, { allowInputRequired: true })).toMatchObject({
    isError: true,
    content: [{ type: 'text', text: expect.stringContaining(`You did not sign in to Auth Peer. ${new URL(getEnv().PUBLIC_URL).origin}/w/${user.workspaceId}/servers/${ids.oauth}`) }],
  })
})

test('an agent that cancels (2026: it goes away) cancels the upstream call; the call is recorded as cancelled', async () => {
  const { user, ids } = await workspace()
  const client = await modernClient(await endpointFor(await createAgentGrant(user)), user.workspaceId)
  const before = { calls: open.stats.toolCalls, cancelled: open.stats.toolCallsCancelled }
  const controller = new AbortController()
  const call = client.callTool({ name: 'open-demo_slow', arguments: { ms: 20_000 } }, { signal: controller.signal }).then(
    () => 'answered',
    () => 'aborted',
  )
  await expect.poll(() => open.stats.toolCalls, { timeout: 10_000 }).toBe(before.calls + 1)
  controller.abort()
  expect(await call).toBe('aborted')
  const cancelledBefore = before.cancelled
  const running = before.calls + 1
  await expect.poll(() => open.stats.toolCallsCancelled, { timeout: 10_000 }).toBe(cancelledBefore + 1)
  expect(open.stats.toolCalls).toBe(running)
  await expect
    .poll(async () => (await getDb().toolCall.findMany({ where: { workspaceId: user.workspaceId }, select: { serverId: true, outcome: true } })), { timeout: 10_000 })
    .toEqual([{ serverId: ids.open, outcome: 'cancelled' }])
})

test('an agent’s cancellation ends only that call: the person’s other call on the same pooled upstream session runs on', async () => {
  const { user } = await workspace()
  const client = await modernClient(await endpointFor(await createAgentGrant(user)), user.workspaceId)
  const before = { calls: open.stats.toolCalls, cancelled: open.stats.toolCallsCancelled }
  const other = client.callTool({ name: 'open-demo_slow', arguments: { ms: 2_500 } })
  await expect.poll(() => open.stats.toolCalls, { timeout: 10_000 }).toBe(before.calls + 1)
  const controller = new AbortController()
  const cancelled = client.callTool({ name: 'open-demo_slow', arguments: { ms: 20_000 } }, { signal: controller.signal }).catch(() => 'aborted')
  await expect.poll(() => open.stats.toolCalls, { timeout: 10_000 }).toBe(before.calls + 2)
  controller.abort()
  expect(await cancelled).toBe('aborted')
  await expect.poll(() => open.stats.toolCallsCancelled, { timeout: 10_000 }).toBe(before.cancelled + 1)
  expect(await other).toMatchObject({ content: [{ type: 'text', text: 'Waited 2500 ms.' }] })
})

test('2025: the session’s notifications/cancelled ends that call upstream (its own POST stays open); the person’s other call runs on', async () => {
  const { user } = await workspace()
  const { client } = await legacyClient(await endpointFor(await createAgentGrant(user)), user.workspaceId)
  const before = { calls: open.stats.toolCalls, cancelled: open.stats.toolCallsCancelled }
  const other = client.callTool({ name: 'open-demo_slow', arguments: { ms: 2_500 } })
  await expect.poll(() => open.stats.toolCalls, { timeout: 10_000 }).toBe(before.calls + 1)
  const controller = new AbortController()
  const cancelled = client.callTool({ name: 'open-demo_slow', arguments: { ms: 20_000 } }, undefined, { signal: controller.signal }).catch(() => 'aborted')
  await expect.poll(() => open.stats.toolCalls, { timeout: 10_000 }).toBe(before.calls + 2)
  controller.abort()
  expect(await cancelled).toBe('aborted')
  await expect.poll(() => open.stats.toolCallsCancelled, { timeout: 15_000 }).toBe(before.cancelled + 1)
  expect(await other).toMatchObject({ content: [{ type: 'text', text: 'Waited 2500 ms.' }] })
  // Cancelled by the agent, not ended by the server's 10 s timeout (which would cancel upstream too).
  const outcomes = async () =>
    (await getDb().toolCall.findMany({ where: { workspaceId: user.workspaceId }, select: { outcome: true } })).map((row) => row.outcome).sort()
  await expect.poll(outcomes, { timeout: 10_000 }).toEqual(['cancelled', 'success'])
})

test('2026: a tool that asks to confirm on a server not signed in to: the person confirms once, signs in once, and the call runs', async () => {
  const { user, cookie, ids } = await workspace()
  await saveToolRules(ids.oauth, user.id, [{ toolName: 'echo', enabled: true, needsConfirmation: true }])
  const client = await modernClient(await endpointFor(await createAgentGrant(user)), user.workspaceId, { elicitation: { form: {}, url: {} } })
  const modes: string[] = []
  client.setRequestHandler('elicitation/create', async (request) => {
    const mode = 'mode' in request.params && request.params.mode === 'url' ? 'url' : 'form'
    modes.push(mode)
    if (mode === 'form') return { action: 'accept', content: { confirm: true } }
    await connectThroughRoutes({ workspaceId: user.workspaceId, serverId: ids.oauth, cookie })
    return { action: 'accept' }
  })
  expect(await client.callTool({ name: 'auth-peer_echo', arguments: { message: 'both' } })).toMatchObject({ content: [{ type: 'text', text: 'both' }] })
  expect(modes).toEqual(['form', 'url'])
})

test('2026: a call that needs more scopes sends the person to a “Grant more access” button for them; after the step-up the retry works', async () => {
  const { user, cookie, ids } = await workspace({ connect: true, oauthUrl: scoped.mcpUrl })
  const client = await modernClient(await endpointFor(await createAgentGrant(user)), user.workspaceId, { elicitation: { url: {} } })
  const urls: URL[] = []
  client.setRequestHandler('elicitation/create', async (request) => {
    const url = new URL('url' in request.params ? String(request.params.url) : '')
    urls.push(url)
    // The person presses the page's "Grant more access" (its form's fields), approves, and is back.
    const started = await startConnectRoute(user.workspaceId, ids.oauth, cookie, {
      intent: 'step-up',
      returnTo: url.pathname,
      scopes: url.searchParams.get('scopes') ?? '',
      tool: url.searchParams.get('tool') ?? '',
    })
    await finishCallbackRoute(await autoApprove(started.location), cookie)
    return { action: 'accept' }
  })
  expect(await client.callTool({ name: 'auth-peer_echo', arguments: { message: 'granted' } })).toMatchObject({ content: [{ type: 'text', text: 'granted' }] })
  expect(urls).toHaveLength(1)
  expect(urls[0]?.pathname).toBe(`/w/${user.workspaceId}/servers/${ids.oauth}`)
  expect(urls[0]?.searchParams.get('scopes')?.split(' ')).toContain('tickets:write')
  expect(urls[0]?.searchParams.get('tool')).toBe('echo')
  expect(await getDb().agentElicitation.findMany({ where: { userId: user.id }, select: { reason: true, completedAt: true } })).toEqual([
    { reason: 'scopes', completedAt: expect.any(Date) },
  ])
})
