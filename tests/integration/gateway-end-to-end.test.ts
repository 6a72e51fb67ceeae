import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client'
import { keyHashOf } from '#app/gateway/as/adapter.server.ts'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { setServerHeader } from '#app/models/server-headers.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { action as personAppsAction, loader as personAppsLoader } from '#app/routes/account_.connected-apps.tsx'
import { action as deleteServerAction } from '#app/routes/w.$workspaceId.servers.$serverId.delete.tsx'
import { action as serverPageAction } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { action as policyAction, loader as policyLoader } from '#app/routes/w.$workspaceId.servers.$serverId.tool-policy/route.tsx'
import { action as adminAppsAction } from '#app/routes/w.$workspaceId.connected-apps.tsx'
import { action as removeMemberAction } from '#app/routes/w.$workspaceId.members_.$userId.remove.tsx'
import type { Prisma } from '#app/generated/prisma-sqlite/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { API_KEY_HEADER, type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { connectThroughRoutes } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { AGENT_REDIRECT_URL, AgentOAuthClient, consentAsBrowser, type DocumentServer, startDocumentServer } from '#tests/support/agent-oauth.ts'
import { mcpInitialize } from '#tests/support/agent-pkce.ts'
import { type GatewayServer, startGatewayServer } from '#tests/support/gateway-server.ts'
import { BASE_URL, type TestUser, createTestUser, flashOf, formRequest, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

// Issue 13's "Done means", end to end with REAL tokens: the v2 SDK client with its OAuth provider is sent away by
// the endpoint's 401, registers (DCR) or names a Client ID Metadata Document, the person allows it on the consent
// page (posted as a browser would), and the agent then lists and calls the workspace's tools on an open, a
// header-protected and an OAuth upstream (the latter connected by the person through Switchboard's Connect routes).
// What people do in Switchboard's pages — revoke an app, remove a member, turn a tool or a server off for agents —
// is done through those pages' actions, and the agent holding its token feels it at its next request.
//
// Not repeated here (already proven with tokens from the real authorization server):
// - a token used at another workspace's endpoint, or at a server's endpoint of its own workspace, is refused:
//   tests/security/gateway-authorization.test.ts, "a token works only at the endpoint it was issued for" (here only
//   the case it lacks: another workspace the person is a member of);
// - rotation by hand, reuse detection, RFC 7009 revocation: the same file (here: the SDK's own refresh on expiry);
// - each part alone (seeded caller, hung servers, URL elicitation, confirmations): tests/integration/gateway-tools.test.ts.

const API_KEY = 'end-to-end-key'
let open: DemoMcpServer
let keyed: DemoMcpServer
let oauth: SdkAuthServer
let gateway: GatewayServer
let documents: DocumentServer
const clients: Client[] = []

beforeAll(async () => {
  ;[open, keyed, oauth, gateway, documents] = await Promise.all([
    startDemoMcpServer(),
    startDemoMcpServer({ apiKey: API_KEY }),
    startSdkAuthServer(),
    startGatewayServer(),
    startDocumentServer(),
  ])
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => {})))
  await getSessionPool().closeAll()
  await Promise.all([open?.close(), keyed?.close(), oauth?.close(), gateway?.close(), documents?.close()])
})

type Team = { owner: TestUser; ownerCookie: string; workspaceId: string; ids: { open: string; keyed: string; oauth: string } }

/** An owner whose workspace has an open, a header-protected and an OAuth server; `connect`: the owner signed in to the last. */
async function team(options: { connect?: boolean } = {}): Promise<Team> {
  const owner = await createTestUser('End-to-end Owner')
  const ownerCookie = await sessionCookieFor(owner.id)
  const workspaceId = owner.workspaceId
  const create = (name: string, url: string, authType: 'none' | 'oauth' = 'none') =>
    getDb()
      .mcpServer.create({ data: { workspaceId, name, url, authType, timeoutMs: 10_000 }, select: { id: true } })
      .then((row) => row.id)
  const ids = { open: await create('Open Demo', open.url), keyed: await create('Keyed', keyed.url), oauth: await create('Auth Peer', oauth.mcpUrl, 'oauth') }
  await setServerHeader(await requireServer(workspaceId, ids.keyed), API_KEY_HEADER, API_KEY)
  if (options.connect) await connectThroughRoutes({ workspaceId, serverId: ids.oauth, cookie: ownerCookie })
  return { owner, ownerCookie, workspaceId, ids }
}

/** A member of `workspaceId`, signed in. */
async function memberOf(workspaceId: string): Promise<{ member: TestUser; cookie: string }> {
  const member = await createTestUser('End-to-end Member')
  await addMember(workspaceId, 'owner', member.email, 'member')
  return { member, cookie: await sessionCookieFor(member.id) }
}

const endpointOf = (workspaceId: string) => new URL(`/mcp/${workspaceId}`, gateway.publicOrigin)
const names = (tools: ReadonlyArray<{ name: string }>) => tools.map((tool) => tool.name).sort()

/** The MCP revision the agent speaks: initialize and a session, or 2026's stateless requests. */
type Era = '2025-11-25' | '2026-07-28'
type Agent = { client: Client; provider: AgentOAuthClient; clientId: string; accessToken: string }

/**
 * What an agent does on first use: connect, get 401 and discover the authorization server, register or present its
 * metadata document, send the person to consent (allowed here as a browser posts it), exchange the code, connect.
 */
async function authorizeAgent(
  workspaceId: string,
  personCookie: string,
  provider: AgentOAuthClient,
  era: Era = '2025-11-25',
  endpoint = endpointOf(workspaceId),
): Promise<Agent> {
  const newClient = () =>
    new Client({ name: 'e2e-agent', version: '1' }, era === '2026-07-28' ? { versionNegotiation: { mode: 'auto' } } : {})
  const first = new StreamableHTTPClientTransport(endpoint, { authProvider: provider, fetch: gateway.fetch })
  await expect(newClient().connect(first)).rejects.toBeInstanceOf(UnauthorizedError)
  const callback = await consentAsBrowser(gateway, provider.requireAuthorizationUrl(), personCookie)
  expect(callback.origin + callback.pathname).toBe(AGENT_REDIRECT_URL)
  await first.finishAuth(callback.searchParams)
  const client = newClient()
  await client.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: provider, fetch: gateway.fetch }))
  clients.push(client)
  expect(client.getNegotiatedProtocolVersion()).toBe(era)
  const clientId = provider.clientInformation()?.client_id
  if (!clientId) throw new Error('the provider holds no client id')
  return { client, provider, clientId, accessToken: provider.requireTokens().access_token }
}

/** The agent is cut off: its access token gets 401 invalid_token at once, and the SDK can neither use nor refresh it. */
async function expectCutOff(agent: Agent, workspaceId: string): Promise<void> {
  const response = await mcpInitialize(gateway.fetch, endpointOf(workspaceId).href, agent.accessToken)
  await response.body?.cancel()
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
  // The SDK answers the 401 by trying its refresh token (dead too: invalid_grant), then asks for a new authorization.
  const warnings: string[] = []
  const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '))
  })
  try {
    agent.provider.authorizationUrl = undefined
    await expect(agent.client.listTools()).rejects.toBeInstanceOf(UnauthorizedError)
  } finally {
    warn.mockRestore()
  }
  expect(warnings).toEqual([expect.stringContaining('OAuth "invalid_grant"')])
  expect(agent.provider.authorizationUrl).toBeDefined()
}

/** The grant id of the person's app named `clientName`, as their Connected apps page lists it. */
async function grantIdOnPage(cookie: string, clientName: string): Promise<string> {
  const page = await personAppsLoader({ request: getRequest('/account/connected-apps', cookie), params: {}, context: loadContext() })
  const app = page.apps.find((row) => row.clientName === clientName)
  if (!app) throw new Error(`${clientName} is not on the Connected apps page`)
  return app.grantId
}

const AUTHORIZED_BY: Array<{ how: string; clientName: string; document: boolean; era: Era }> = [
  { how: 'registration (DCR)', clientName: 'E2E Registered Agent', document: false, era: '2026-07-28' },
  { how: 'a Client ID Metadata Document', clientName: 'E2E Document Agent', document: true, era: '2025-11-25' },
]

describe.each(AUTHORIZED_BY)('an agent authorized by $how, on $era', ({ clientName, document, era }) => {
  let ws: Team
  let agent: Agent

  beforeAll(async () => {
    ws = await team({ connect: true })
    let provider = new AgentOAuthClient({ clientName })
    if (document) {
      const clientId = `${documents.origin}/e2e/client.json`
      documents.documents.set('/e2e/client.json', { client_id: clientId, client_name: clientName, ...provider.clientMetadata })
      provider = new AgentOAuthClient({ clientMetadataUrl: clientId })
    }
    agent = await authorizeAgent(ws.workspaceId, ws.ownerCookie, provider, era)
    if (document) expect(agent.clientId).toBe(`${documents.origin}/e2e/client.json`)
  })

  test('lists the tools of the open, the header-protected and the OAuth server, prefixed', async () => {
    const tools = names((await agent.client.listTools()).tools)
    for (const prefix of ['open-demo', 'keyed', 'auth-peer']) {
      expect(tools).toEqual(expect.arrayContaining([`${prefix}_echo`, `${prefix}_add`]))
    }
    expect(tools).not.toContain('auth-peer_connect')
  })

  test('calls reach each upstream with the person’s credentials; the ToolCall rows name the app', async () => {
    const before = { open: open.stats.toolCalls, keyed: keyed.stats.toolCalls, oauth: oauth.stats.mcp.toolCalls }
    expect(await agent.client.callTool({ name: 'open-demo_echo', arguments: { message: 'open' } })).toMatchObject({ content: [{ type: 'text', text: 'open' }] })
    expect(await agent.client.callTool({ name: 'keyed_add', arguments: { a: 2, b: 3 } })).toMatchObject({ structuredContent: { sum: 5 } })
    expect(await agent.client.callTool({ name: 'auth-peer_echo', arguments: { message: 'oauth' } })).toMatchObject({
      content: [{ type: 'text', text: 'oauth' }],
    })
    expect({ open: open.stats.toolCalls, keyed: keyed.stats.toolCalls, oauth: oauth.stats.mcp.toolCalls }).toEqual({
      open: before.open + 1,
      keyed: before.keyed + 1,
      oauth: before.oauth + 1,
    })
    const app = { via: 'agent', userId: ws.owner.id, agentClientId: agent.clientId, agentClientName: clientName, arguments: null, outcome: 'success' }
    await expect.poll(() => auditRows(ws.workspaceId, { serverId: true, toolName: true, outcome: true, via: true, userId: true, agentClientId: true, agentClientName: true, arguments: true })).toEqual([
      { ...app, serverId: ws.ids.open, toolName: 'echo' },
      { ...app, serverId: ws.ids.keyed, toolName: 'add' },
      { ...app, serverId: ws.ids.oauth, toolName: 'echo' },
    ])
  })

  test('once its access token expires, the SDK refreshes it by itself (rotating the refresh token) and carries on', async () => {
    const before = agent.provider.requireTokens()
    // Expired as the provider sees it: its row's expiry in the past.
    const expired = await getDb().agentAuthRecord.updateMany({
      where: { model: 'AccessToken', keyHash: keyHashOf(before.access_token) },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    })
    expect(expired.count).toBe(1)
    expect(await agent.client.callTool({ name: 'open-demo_echo', arguments: { message: 'refreshed' } })).toMatchObject({
      content: [{ type: 'text', text: 'refreshed' }],
    })
    const after = agent.provider.requireTokens()
    expect(after.access_token).not.toBe(before.access_token)
    expect(after.refresh_token).toBeTruthy()
    expect(after.refresh_token).not.toBe(before.refresh_token)
    // Still one app in Connected apps, the same grant.
    expect(await getDb().agentGrant.count({ where: { clientId: agent.clientId } })).toBe(1)
  })
})

test('each person’s agent uses that person’s own upstream sign-in: a member’s agent does not ride on the owner’s', async () => {
  const ws = await team({ connect: true })
  const { member, cookie } = await memberOf(ws.workspaceId)
  const agent = await authorizeAgent(ws.workspaceId, cookie, new AgentOAuthClient({ clientName: 'Member’s agent' }))
  const tools = names((await agent.client.listTools()).tools)
  expect(tools).toContain('auth-peer_connect')
  expect(tools).not.toContain('auth-peer_echo')
  expect(tools).toContain('keyed_echo')
  const calls = oauth.stats.mcp.toolCalls
  const result = await agent.client.callTool({ name: 'auth-peer_echo', arguments: { message: 'x' } })
  expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining(`/w/${ws.workspaceId}/servers/${ws.ids.oauth}`) }] })
  expect(oauth.stats.mcp.toolCalls).toBe(calls)
  await expect.poll(() => auditRows(ws.workspaceId, { userId: true, outcome: true })).toEqual([{ userId: member.id, outcome: 'reauth_required' }])

  // Its token is for this workspace's endpoint only, even at another workspace the member belongs to (their own).
  const mine = await mcpInitialize(gateway.fetch, endpointOf(member.workspaceId).href, agent.accessToken)
  await mine.body?.cancel()
  expect(mine.status).toBe(401)
})

test('an agent authorized at one server’s endpoint sees that server unprefixed and calls it with the person’s upstream sign-in', async () => {
  const ws = await team({ connect: true })
  const endpoint = new URL(`/mcp/${ws.workspaceId}/${ws.ids.oauth}`, gateway.publicOrigin)
  const provider = new AgentOAuthClient({ clientName: 'One-server agent' })
  const agent = await authorizeAgent(ws.workspaceId, ws.ownerCookie, provider, '2026-07-28', endpoint)
  expect(provider.requireAuthorizationUrl().searchParams.get('resource')).toBe(endpoint.href)
  const tools = names((await agent.client.listTools()).tools)
  expect(tools).toEqual(expect.arrayContaining(['echo', 'add']))
  expect(tools.some((name) => name.startsWith('auth-peer_'))).toBe(false)
  expect(await agent.client.callTool({ name: 'echo', arguments: { message: 'one server' } })).toMatchObject({
    content: [{ type: 'text', text: 'one server' }],
  })
  await expect
    .poll(() => auditRows(ws.workspaceId, { serverId: true, toolName: true, outcome: true, agentClientName: true }))
    .toEqual([{ serverId: ws.ids.oauth, toolName: 'echo', outcome: 'success', agentClientName: 'One-server agent' }])
  // Its token is for that endpoint only: the workspace's endpoint refuses it.
  const elsewhere = await mcpInitialize(gateway.fetch, endpointOf(ws.workspaceId).href, agent.accessToken)
  await elsewhere.body?.cancel()
  expect(elsewhere.status).toBe(401)

  // Refreshed by the SDK once expired, the token is again for that server's endpoint (RFC 8707 on refresh).
  await getDb().agentAuthRecord.updateMany({ where: { model: 'AccessToken', keyHash: keyHashOf(agent.accessToken) }, data: { expiresAt: new Date(Date.now() - 1_000) } })
  expect(names((await agent.client.listTools()).tools)).toContain('echo')
  const refreshed = provider.requireTokens().access_token
  expect(refreshed).not.toBe(agent.accessToken)
  agent.accessToken = refreshed

  // An admin deletes the server on its delete page: the app allowed at its endpoint is cut off with it.
  const deleted = await settle(() =>
    deleteServerAction({
      request: formRequest(`/w/${ws.workspaceId}/servers/${ws.ids.oauth}/delete`, { confirm: 'on' }, ws.ownerCookie),
      params: { workspaceId: ws.workspaceId, serverId: ws.ids.oauth },
      context: loadContext(),
    }),
  )
  expect(statusOf(deleted)).toBe(302)
  const gone = await mcpInitialize(gateway.fetch, endpoint.href, agent.accessToken)
  await gone.body?.cancel()
  expect(gone.status).toBe(401)
  expect(await getDb().agentGrant.count({ where: { clientId: agent.clientId } })).toBe(0)
})

describe('cutting an agent off in Switchboard’s pages', () => {
  let ws: Team
  beforeAll(async () => {
    ws = await team()
  })

  test('the person revokes the app on their Connected apps page: its next request is refused', async () => {
    const agent = await authorizeAgent(ws.workspaceId, ws.ownerCookie, new AgentOAuthClient({ clientName: 'Revoked by its person' }))
    expect((await agent.client.listTools()).tools.length).toBeGreaterThan(0)
    const grantId = await grantIdOnPage(ws.ownerCookie, 'Revoked by its person')
    const revoked = await settle(() =>
      personAppsAction({ request: formRequest('/account/connected-apps', { intent: 'revoke-app', grantId }, ws.ownerCookie), params: {}, context: loadContext() }),
    )
    expect(statusOf(revoked)).toBe(302)
    expect((await flashOf(revoked))?.message).toMatch(/revoked/)
    await expectCutOff(agent, ws.workspaceId)
    expect(await grantIdOnPage(ws.ownerCookie, 'Revoked by its person').catch(() => null)).toBeNull()

    // Connecting it again is a new consent; then it works again.
    const callback = await consentAsBrowser(gateway, agent.provider.requireAuthorizationUrl(), ws.ownerCookie)
    await new StreamableHTTPClientTransport(endpointOf(ws.workspaceId), { authProvider: agent.provider, fetch: gateway.fetch }).finishAuth(callback.searchParams)
    const again = new Client({ name: 'e2e-agent', version: '1' })
    await again.connect(new StreamableHTTPClientTransport(endpointOf(ws.workspaceId), { authProvider: agent.provider, fetch: gateway.fetch }))
    clients.push(again)
    expect(names((await again.listTools()).tools)).toContain('open-demo_echo')
  })

  test('an admin revokes a member’s app on the workspace’s Connected apps page: its next request is refused (2026 agent)', async () => {
    const { cookie } = await memberOf(ws.workspaceId)
    const agent = await authorizeAgent(ws.workspaceId, cookie, new AgentOAuthClient({ clientName: 'Revoked by an admin' }), '2026-07-28')
    expect((await agent.client.listTools()).tools.length).toBeGreaterThan(0)
    const grantId = await grantIdOnPage(cookie, 'Revoked by an admin')
    const path = `/w/${ws.workspaceId}/connected-apps`
    const revoked = await settle(() =>
      adminAppsAction({ request: formRequest(path, { intent: 'revoke-app', grantId }, ws.ownerCookie), params: { workspaceId: ws.workspaceId }, context: loadContext() }),
    )
    expect((await flashOf(revoked))?.message).toMatch(/revoked/)
    await expectCutOff(agent, ws.workspaceId)
  })

  test('an admin removes the member on the members page: the member’s agent is refused at once', async () => {
    const { member, cookie } = await memberOf(ws.workspaceId)
    const agent = await authorizeAgent(ws.workspaceId, cookie, new AgentOAuthClient({ clientName: 'Agent of a removed member' }))
    expect((await agent.client.listTools()).tools.length).toBeGreaterThan(0)
    const path = `/w/${ws.workspaceId}/members/${member.id}/remove`
    const removed = await settle(() =>
      removeMemberAction({
        request: formRequest(path, { confirm: 'on' }, ws.ownerCookie),
        params: { workspaceId: ws.workspaceId, userId: member.id },
        context: loadContext(),
      }),
    )
    expect(statusOf(removed)).toBe(302)
    expect((await flashOf(removed))?.message).toContain('Removed')
    await expectCutOff(agent, ws.workspaceId)
  })
})

describe('an admin’s choices reach an agent that is already connected', () => {
  let ws: Team
  let agent: Agent
  beforeAll(async () => {
    ws = await team()
    agent = await authorizeAgent(ws.workspaceId, ws.ownerCookie, new AgentOAuthClient({ clientName: 'Governed agent' }))
  })

  test('a tool turned off on the tool policy page vanishes from the list and its call is refused', async () => {
    expect(names((await agent.client.listTools()).tools)).toContain('keyed_add')
    const path = `/w/${ws.workspaceId}/servers/${ws.ids.keyed}/tool-policy`
    const params = { workspaceId: ws.workspaceId, serverId: ws.ids.keyed }
    const page = await policyLoader({ request: getRequest(path, ws.ownerCookie), params, context: loadContext() })
    const shown = page.tools.map((tool) => tool.name)
    expect(shown).toContain('add')
    // The form as the browser posts it: every tool listed, every tool but `add` ticked.
    const body = new URLSearchParams([['intent', 'save-tool-policy']])
    for (const name of shown) body.append('tools', name)
    for (const name of shown.filter((name) => name !== 'add')) body.append('enabled', name)
    const request = new Request(new URL(path, BASE_URL), { method: 'POST', headers: { Origin: BASE_URL, Cookie: ws.ownerCookie }, body })
    const saved = await settle(() => policyAction({ request, params, context: loadContext() }))
    expect((await flashOf(saved))?.message).toContain('1 tool changed')

    const tools = names((await agent.client.listTools()).tools)
    expect(tools).not.toContain('keyed_add')
    expect(tools).toContain('keyed_echo')
    const calls = keyed.stats.toolCalls
    expect(await agent.client.callTool({ name: 'keyed_add', arguments: { a: 1, b: 1 } })).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: expect.stringContaining('turned off the tool “add”') }],
    })
    expect(keyed.stats.toolCalls).toBe(calls)
  })

  test('a server no longer available to agents (its page’s Agents form) vanishes from the list and its calls are refused', async () => {
    expect(names((await agent.client.listTools()).tools)).toContain('open-demo_echo')
    const path = `/w/${ws.workspaceId}/servers/${ws.ids.open}`
    // The checkbox unticked: the form sends no `available`.
    const saved = await settle(() =>
      serverPageAction({
        request: formRequest(path, { intent: 'set-agent-access', agentPrefix: '' }, ws.ownerCookie),
        params: { workspaceId: ws.workspaceId, serverId: ws.ids.open },
        context: loadContext(),
      }),
    )
    expect((await flashOf(saved))?.message).toBe('Saved. Open Demo is not offered to agents.')

    const tools = names((await agent.client.listTools()).tools)
    expect(tools.some((name) => name.startsWith('open-demo_'))).toBe(false)
    expect(tools).toContain('keyed_echo')
    const calls = open.stats.toolCalls
    expect(await agent.client.callTool({ name: 'open-demo_echo', arguments: { message: 'x' } })).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: expect.stringContaining('not made Open Demo available to agents') }],
    })
    expect(open.stats.toolCalls).toBe(calls)
    await expect.poll(() => auditRows(ws.workspaceId, { toolName: true, outcome: true, agentClientName: true })).toEqual([
      { toolName: 'add', outcome: 'refused', agentClientName: 'Governed agent' },
      { toolName: 'echo', outcome: 'refused', agentClientName: 'Governed agent' },
    ])
  })

  test('a server an admin turns off on its page vanishes from the list and its calls are refused', async () => {
    const saved = await settle(() =>
      serverPageAction({
        request: formRequest(`/w/${ws.workspaceId}/servers/${ws.ids.keyed}`, { intent: 'set-enabled', enabled: 'false' }, ws.ownerCookie),
        params: { workspaceId: ws.workspaceId, serverId: ws.ids.keyed },
        context: loadContext(),
      }),
    )
    expect((await flashOf(saved))?.message).toBe('Keyed is disabled.')
    const tools = names((await agent.client.listTools()).tools)
    expect(tools.some((name) => name.startsWith('keyed_'))).toBe(false)
    expect(await agent.client.callTool({ name: 'keyed_echo', arguments: { message: 'x' } })).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: expect.stringContaining('Keyed is turned off in this workspace') }],
    })
  })
})

/**
 * The workspace's ToolCall rows, oldest first, with the columns `select` names. The gateway writes a call's row once
 * its answer is out (ADR 037): tests read them with `expect.poll`.
 */
function auditRows<S extends Prisma.ToolCallSelect>(workspaceId: string, select: S) {
  return getDb().toolCall.findMany({ where: { workspaceId }, orderBy: { createdAt: 'asc' }, select })
}
