import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { callServerTool, listServerTools } from '#app/mcp/tools.server.ts'
import { addMember, createWorkspace } from '#app/models/workspace.server.ts'
import { action as serverAction } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { action as deleteAction } from '#app/routes/w.$workspaceId.servers.$serverId.delete.tsx'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { action as editAction } from '#app/routes/w.$workspaceId.servers.$serverId.edit.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type PeerProxy, connectThroughRoutes, finishCallbackRoute, startConnectRoute, startPeerProxy } from '#tests/multi-instance/oauth-kit.ts'
import { type OidcMcpServer, startOidcMcpServer } from '#tests/servers/oidc-provider-server.ts'
import { type PreregisteredServer, startPreregisteredServer } from '#tests/servers/preregistered-server.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { BASE_URL, createTestUser, flashOf, formRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

// What happens to tokens after Connect: Disconnect revokes, a change of the server's
// credentials invalidates everyone's tokens, a shared connection, and the audit trail.

const PREREGISTERED = { clientId: 'switchboard-lifecycle', clientSecret: 'lifecycle-secret-1' }

let peer: SdkAuthServer
let otherPeer: SdkAuthServer
let oidc: OidcMcpServer
let preregistered: PreregisteredServer
let proxy: PeerProxy
/** Two accounts for every test (scrypt makes accounts slow to create); each test gets its own workspace. */
let accounts: { owner: TestUser; member: TestUser; ownerCookie: string; memberCookie: string }

beforeAll(async () => {
  const [owner, member] = await Promise.all([createTestUser('Owner'), createTestUser('Member')])
  accounts = { owner, member, ownerCookie: await sessionCookieFor(owner.id), memberCookie: await sessionCookieFor(member.id) }
  ;[peer, otherPeer, oidc, preregistered] = await Promise.all([
    startSdkAuthServer(),
    startSdkAuthServer(),
    startOidcMcpServer(),
    startPreregisteredServer({ ...PREREGISTERED, redirectUris: [`${BASE_URL}/oauth/callback`] }),
  ])
  proxy = await startPeerProxy(new URL(peer.mcpUrl).origin)
})
afterEach(() => proxy.recover())
afterAll(async () => {
  await getSessionPool().closeAll()
  await proxy?.close()
  await Promise.all([peer?.close(), otherPeer?.close(), oidc?.close(), preregistered?.close()])
})

// --- helpers -------------------------------------------------------------------------------------

type TestUser = Awaited<ReturnType<typeof createTestUser>>

/** A new workspace owned by the owner account, with the member account as a member. */
async function workspaceWithMember() {
  const workspaceId = await createWorkspace(accounts.owner.id, `Lifecycle ${Math.random().toString(36).slice(2, 8)}`)
  await addMember(workspaceId, 'owner', accounts.member.email, 'member')
  return { ...accounts, workspaceId }
}

async function createOAuthServer(workspaceId: string, url: string) {
  const created = await getDb().mcpServer.create({
    data: { workspaceId, name: `OAuth ${Math.random().toString(36).slice(2, 8)}`, url, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
    select: { id: true },
  })
  return created.id
}

const args = (workspaceId: string, serverId: string) => ({ params: { workspaceId, serverId }, context: loadContext() })

function postServerPage(workspaceId: string, serverId: string, cookie: string, fields: Record<string, string>) {
  return settle(() => serverAction({ request: formRequest(`/w/${workspaceId}/servers/${serverId}`, fields, cookie), ...args(workspaceId, serverId) }))
}

function postDisconnect(workspaceId: string, serverId: string, cookie: string) {
  return settle(() => disconnectAction({ request: formRequest(`/w/${workspaceId}/servers/${serverId}/disconnect`, { intent: 'disconnect', confirm: 'on' }, cookie), ...args(workspaceId, serverId) }))
}

async function auditOf(serverId: string) {
  return getDb().auditEvent.findMany({ where: { serverId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
}

const serverConnections = (serverId: string) => getDb().oAuthConnection.count({ where: { serverId } })
const serverRegistrations = (serverId: string) => getDb().oAuthClientRegistration.count({ where: { serverId } })

// --- Disconnect ----------------------------------------------------------------------------------

test('Disconnect revokes the refresh token at the authorization server and deletes the connection', async () => {
  const { owner, ownerCookie, workspaceId } = await workspaceWithMember()
  const serverId = await createOAuthServer(workspaceId, peer.mcpUrl)
  await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie })
  const connection = await getConnectionWithTokens(serverId, owner.id)
  expect(peer.stats.validRefreshTokens.has(connection?.refreshToken ?? '')).toBe(true)
  const revokedBefore = peer.stats.revocations.refreshToken

  const result = await postDisconnect(workspaceId, serverId, ownerCookie)
  expect(statusOf(result)).toBe(302)
  expect(peer.stats.revocations.refreshToken).toBe(revokedBefore + 1)
  expect(peer.stats.validRefreshTokens.has(connection?.refreshToken ?? '')).toBe(false)
  expect(peer.stats.validAccessTokens.has(connection?.accessToken ?? '')).toBe(false)
  expect(await serverConnections(serverId)).toBe(0)
  expect(await flashOf(result)).toMatchObject({ kind: 'success', message: expect.stringContaining('revoked access') })
  const events = await auditOf(serverId)
  expect(events.find((event) => event.event === 'oauth.disconnected')).toMatchObject({ actorId: owner.id, outcome: 'success' })
})

test('Disconnect at oidc-provider tolerates unsupported_token_type for the JWT access token', async () => {
  const { owner, ownerCookie, workspaceId } = await workspaceWithMember()
  const serverId = await createOAuthServer(workspaceId, oidc.mcpUrl)
  await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie, approve: (url) => oidc.approveAuthorization(url) })
  expect((await getConnectionWithTokens(serverId, owner.id))?.refreshToken).toBeTruthy()
  const refreshBefore = oidc.stats.revocations.refreshToken
  const unsupportedBefore = oidc.stats.revocationErrors.unsupported_token_type ?? 0

  const result = await postDisconnect(workspaceId, serverId, ownerCookie)
  expect(statusOf(result)).toBe(302)
  expect(oidc.stats.revocations.refreshToken).toBe(refreshBefore + 1)
  expect(oidc.stats.revocationErrors.unsupported_token_type ?? 0).toBe(unsupportedBefore + 1)
  expect(await serverConnections(serverId)).toBe(0)
  expect(await flashOf(result)).toMatchObject({ kind: 'success' })
  const events = await auditOf(serverId)
  expect(events.find((event) => event.event === 'oauth.disconnected')).toMatchObject({ outcome: 'success' })
})

test('a revocation endpoint that fails does not stop Disconnect: the connection is deleted and the flash says so', async () => {
  const { owner, ownerCookie, workspaceId } = await workspaceWithMember()
  const serverId = await createOAuthServer(workspaceId, proxy.rewrite(peer.mcpUrl))
  await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie })
  const connection = await getConnectionWithTokens(serverId, owner.id)
  proxy.fail({ path: '/revoke', mode: 'status500' })
  const revokedBefore = peer.stats.revocations.refreshToken

  const result = await postDisconnect(workspaceId, serverId, ownerCookie)
  expect(statusOf(result)).toBe(302)
  expect(proxy.exchanges.filter((exchange) => exchange.path.startsWith('/revoke') && exchange.fault === 'status500').length).toBeGreaterThan(0)
  expect(peer.stats.revocations.refreshToken).toBe(revokedBefore)
  // Not revoked at the peer, deleted here all the same.
  expect(peer.stats.validRefreshTokens.has(connection?.refreshToken ?? '')).toBe(true)
  expect(await serverConnections(serverId)).toBe(0)
  const flash = await flashOf(result)
  expect(flash?.kind).not.toBe('success')
  expect(flash?.message).toMatch(/Disconnected from .*did not confirm revoking/)
  const events = await auditOf(serverId)
  expect(events.find((event) => event.event === 'oauth.disconnected')).toMatchObject({ outcome: 'failure' })
})

// --- Credential changes --------------------------------------------------------------------------

/** Owner and member both connected to a DCR server on `peer`. */
async function twoConnectedPeople() {
  const people = await workspaceWithMember()
  const { workspaceId } = people
  const serverId = await createOAuthServer(workspaceId, peer.mcpUrl)
  await connectThroughRoutes({ workspaceId, serverId, cookie: people.ownerCookie })
  await connectThroughRoutes({ workspaceId, serverId, cookie: people.memberCookie })
  const tokens = await Promise.all([people.owner.id, people.member.id].map((id) => getConnectionWithTokens(serverId, id)))
  const refreshTokens = tokens.map((connection) => connection?.refreshToken ?? '')
  expect(refreshTokens.every((token) => peer.stats.validRefreshTokens.has(token))).toBe(true)
  expect(await serverRegistrations(serverId)).toBe(1)
  return { ...people, serverId, refreshTokens }
}

type People = Awaited<ReturnType<typeof twoConnectedPeople>>

const credentialChanges: Array<{ name: string; change: (people: People) => Promise<unknown>; usersSeeConnect: boolean }> = [
  {
    name: 'a new URL (edit form)',
    usersSeeConnect: true,
    change: async ({ workspaceId, serverId, ownerCookie }) => {
      const server = await requireServer(workspaceId, serverId)
      const fields = { name: server.name, url: otherPeer.mcpUrl, transport: 'auto', authType: 'oauth', timeoutSeconds: '10', enabled: 'on' }
      return settle(() => editAction({ request: formRequest(`/w/${workspaceId}/servers/${serverId}/edit`, fields, ownerCookie), ...args(workspaceId, serverId) }))
    },
  },
  {
    name: 'another auth type (edit form)',
    usersSeeConnect: false,
    change: async ({ workspaceId, serverId, ownerCookie }) => {
      const server = await requireServer(workspaceId, serverId)
      const fields = { name: server.name, url: server.url, transport: 'auto', authType: 'headers', timeoutSeconds: '10', enabled: 'on' }
      return settle(() => editAction({ request: formRequest(`/w/${workspaceId}/servers/${serverId}/edit`, fields, ownerCookie), ...args(workspaceId, serverId) }))
    },
  },
  {
    name: 'a pre-registered client (set-oauth-client)',
    usersSeeConnect: true,
    change: ({ workspaceId, serverId, ownerCookie }) =>
      postServerPage(workspaceId, serverId, ownerCookie, { intent: 'set-oauth-client', clientId: 'registered-elsewhere', clientSecret: 'another-client-secret', authMethod: 'client_secret_post' }),
  },
  {
    name: 'switching to a shared connection (set-oauth-shared)',
    usersSeeConnect: true,
    change: ({ workspaceId, serverId, ownerCookie }) => postServerPage(workspaceId, serverId, ownerCookie, { intent: 'set-oauth-shared', shared: 'true' }),
  },
  {
    name: 'deleting the server (delete form)',
    usersSeeConnect: false,
    change: ({ workspaceId, serverId, ownerCookie }) =>
      settle(() => deleteAction({ request: formRequest(`/w/${workspaceId}/servers/${serverId}/delete`, { confirm: 'on' }, ownerCookie), ...args(workspaceId, serverId) })),
  },
]

for (const { name, change, usersSeeConnect } of credentialChanges) {
  test(`${name} revokes every person's tokens at the authorization server and deletes them with the registration`, async () => {
    const people = await twoConnectedPeople()
    const { serverId, workspaceId } = people
    const revokedBefore = peer.stats.revocations.refreshToken

    const result = await change(people)
    expect(statusOf(result)).toBe(302)

    expect(await serverConnections(serverId)).toBe(0)
    expect(await serverRegistrations(serverId)).toBe(0)
    expect(peer.stats.revocations.refreshToken).toBe(revokedBefore + 2)
    expect(people.refreshTokens.some((token) => peer.stats.validRefreshTokens.has(token))).toBe(false)
    if (usersSeeConnect) {
      const server = await requireServer(workspaceId, serverId)
      for (const userId of [people.owner.id, people.member.id]) {
        const outcome = await listServerTools(userId, server)
        expect(outcome.ok ? null : outcome.failure.kind).toBe('oauth_not_connected')
      }
    }
  })
}

test('changing only the scopes to request keeps every connection', async () => {
  const people = await twoConnectedPeople()
  const { serverId, workspaceId } = people
  const revokedBefore = peer.stats.revocations.refreshToken

  const result = await postServerPage(workspaceId, serverId, people.ownerCookie, { intent: 'set-oauth-scopes', scopes: 'mcp:tools' })
  expect(statusOf(result)).toBe(302)

  expect(peer.stats.revocations.refreshToken).toBe(revokedBefore)
  expect(await serverConnections(serverId)).toBe(2)
  expect(await serverRegistrations(serverId)).toBe(1)
  const server = await requireServer(workspaceId, serverId)
  expect(server.oauthScopes).toBe('mcp:tools')
  for (const userId of [people.owner.id, people.member.id]) {
    const call = await callServerTool(userId, server, 'echo', { text: 'still connected' })
    expect(call.ok).toBe(true)
  }
})

for (const intent of ['set-oauth-client', 'remove-oauth-client'] as const) {
  test(`${intent === 'set-oauth-client' ? 'replacing' : 'removing'} a pre-registered client revokes the tokens issued to the old client with the old client's credentials`, async () => {
    const { owner, ownerCookie, workspaceId } = await workspaceWithMember()
    const serverId = await createOAuthServer(workspaceId, preregistered.mcpUrl)
    const set = await postServerPage(workspaceId, serverId, ownerCookie, { intent: 'set-oauth-client', ...PREREGISTERED, authMethod: 'client_secret_basic' })
    expect(statusOf(set)).toBe(302)
    await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie })
    const connection = await getConnectionWithTokens(serverId, owner.id)
    expect(connection?.clientKind).toBe('preregistered')
    const revokedBefore = preregistered.stats.revocations.refreshToken
    const authFailuresBefore = preregistered.stats.clientAuthenticationFailures

    const result =
      intent === 'set-oauth-client'
        ? await postServerPage(workspaceId, serverId, ownerCookie, { intent, clientId: 'switchboard-new-client', clientSecret: 'new-client-secret', authMethod: 'client_secret_basic' })
        : await postServerPage(workspaceId, serverId, ownerCookie, { intent, confirm: 'on' })
    expect(statusOf(result)).toBe(302)

    expect(await serverConnections(serverId)).toBe(0)
    expect(preregistered.stats.clientAuthenticationFailures).toBe(authFailuresBefore)
    expect(preregistered.stats.revocations.refreshToken).toBe(revokedBefore + 1)
    expect(preregistered.stats.validRefreshTokens.has(connection?.refreshToken ?? '')).toBe(false)
  })
}

// --- Shared connection ---------------------------------------------------------------------------

test('a shared connection connected by an admin serves every member, and only admins may connect or disconnect it', async () => {
  const { owner, member, ownerCookie, memberCookie, workspaceId } = await workspaceWithMember()
  const serverId = await createOAuthServer(workspaceId, peer.mcpUrl)
  const switched = await postServerPage(workspaceId, serverId, ownerCookie, { intent: 'set-oauth-shared', shared: 'true' })
  expect(statusOf(switched)).toBe(302)

  // Before anyone connected it, a member is told so.
  const early = await listServerTools(member.id, await requireServer(workspaceId, serverId))
  expect(early.ok ? null : early.failure.kind).toBe('oauth_not_connected')
  // A member cannot start the shared Connect.
  expect((await startConnectRoute(workspaceId, serverId, memberCookie)).status).toBe(403)

  await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie })
  const rows = await getDb().oAuthConnection.findMany({ where: { serverId }, select: { ownerKey: true, userId: true, connectedById: true, status: true } })
  expect(rows).toEqual([{ ownerKey: 'shared', userId: null, connectedById: owner.id, status: 'connected' }])

  const server = await requireServer(workspaceId, serverId)
  const toolCallsBefore = peer.stats.mcp.toolCalls
  const call = await callServerTool(member.id, server, 'echo', { text: 'with the shared token' })
  expect(call.ok).toBe(true)
  expect(peer.stats.mcp.toolCalls).toBe(toolCallsBefore + 1)
  expect(await getDb().oAuthConnection.count({ where: { serverId, ownerKey: member.id } })).toBe(0)

  expect((await startConnectRoute(workspaceId, serverId, memberCookie)).status).toBe(403)
  expect(statusOf(await postDisconnect(workspaceId, serverId, memberCookie))).toBe(403)
  expect(await serverConnections(serverId)).toBe(1)

  const connected = (await auditOf(serverId)).filter((event) => event.event === 'oauth.connected')
  expect(connected).toHaveLength(1)
  expect(connected[0]).toMatchObject({ actorId: owner.id, outcome: 'success', issuer: peer.issuer })
  expect(connected[0]?.detail ?? '').toMatch(/shared/i)

  // The admin may disconnect it; then members are back to "not connected".
  expect(statusOf(await postDisconnect(workspaceId, serverId, ownerCookie))).toBe(302)
  expect(await serverConnections(serverId)).toBe(0)
  const after = await listServerTools(member.id, await requireServer(workspaceId, serverId))
  expect(after.ok ? null : after.failure.kind).toBe('oauth_not_connected')
})

// --- Audit ---------------------------------------------------------------------------------------

/** Every secret value that crossed the proxy: tokens, codes, verifiers, client secrets, states. */
function secretsSeenBy(target: PeerProxy): Set<string> {
  const secrets = new Set<string>()
  const secretNames = ['access_token', 'refresh_token', 'client_secret', 'code', 'code_verifier', 'state', 'token']
  for (const exchange of target.exchanges) {
    const form = new URLSearchParams(exchange.requestBody)
    for (const name of secretNames) {
      const value = form.get(name)
      if (value && value.length >= 8) secrets.add(value)
    }
    const query = new URL(exchange.path, 'http://proxy.invalid').searchParams
    const state = query.get('state')
    if (state) secrets.add(state)
    if (exchange.location) {
      const back = new URL(exchange.location).searchParams
      for (const name of ['code', 'state']) {
        const value = back.get(name)
        if (value) secrets.add(value)
      }
    }
    try {
      const json: unknown = JSON.parse(exchange.responseBody)
      if (typeof json === 'object' && json !== null) {
        for (const name of ['access_token', 'refresh_token', 'client_secret']) {
          const value = (json as Record<string, unknown>)[name]
          if (typeof value === 'string' && value.length >= 8) secrets.add(value)
        }
      }
    } catch {
      // Not JSON (a redirect, an event stream): nothing to collect.
    }
  }
  return secrets
}

test('the audit log records Connect started, completed and failed, Disconnect and a client change with issuer and scopes, and holds no secret', async () => {
  const { owner, ownerCookie, workspaceId } = await workspaceWithMember()
  const serverId = await createOAuthServer(workspaceId, proxy.rewrite(peer.mcpUrl))
  const issuer = proxy.rewrite(peer.issuer)
  const exchangesBefore = proxy.exchanges.length

  // A Connect that the authorization server refuses (the person denied access).
  const denied = await startConnectRoute(workspaceId, serverId, ownerCookie)
  expect(denied.status).toBe(302)
  const deniedState = new URL(denied.location).searchParams.get('state') ?? ''
  const failed = await finishCallbackRoute(`${BASE_URL}/oauth/callback?state=${encodeURIComponent(deniedState)}&error=access_denied`, ownerCookie)
  expect(failed.status).toBe(400)

  // A Connect that works, a tool call, a refresh, a Disconnect.
  await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie })
  const server = await requireServer(workspaceId, serverId)
  expect((await callServerTool(owner.id, server, 'echo', { text: 'audit' })).ok).toBe(true)
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  expect((await callServerTool(owner.id, server, 'echo', { text: 'after refresh' })).ok).toBe(true)
  expect(statusOf(await postDisconnect(workspaceId, serverId, ownerCookie))).toBe(302)

  // An admin enters a pre-registered client with a secret.
  const typedSecret = 'typed-client-secret-9f3a7c'
  const set = await postServerPage(workspaceId, serverId, ownerCookie, { intent: 'set-oauth-client', clientId: 'audit-client', clientSecret: typedSecret, authMethod: 'client_secret_post' })
  expect(statusOf(set)).toBe(302)

  const events = await auditOf(serverId)
  const byName = (name: string) => events.filter((event) => event.event === name)
  expect(byName('oauth.connect_started')).toHaveLength(2)
  for (const event of byName('oauth.connect_started')) expect(event).toMatchObject({ actorId: owner.id, issuer, scopes: 'mcp:tools', outcome: 'success' })
  expect(byName('oauth.connect_failed')).toEqual([expect.objectContaining({ actorId: owner.id, issuer, scopes: 'mcp:tools', outcome: 'failure' })])
  expect(byName('oauth.connect_failed')[0]?.detail ?? '').toContain('access_denied')
  expect(byName('oauth.connected')).toEqual([expect.objectContaining({ actorId: owner.id, issuer, scopes: 'mcp:tools', outcome: 'success' })])
  expect(byName('oauth.disconnected')).toEqual([expect.objectContaining({ actorId: owner.id, outcome: 'success' })])
  expect(byName('oauth.client_changed')).toEqual([expect.objectContaining({ actorId: owner.id, outcome: 'success' })])

  // Every secret this run produced, as seen on the wire.
  const wire = proxy.exchanges.slice(exchangesBefore)
  const secrets = secretsSeenBy({ ...proxy, exchanges: wire })
  secrets.add(typedSecret)
  secrets.add(deniedState)
  // The collection is not empty by accident: the code exchange and the refresh both went by.
  const tokenRequests = wire.filter((exchange) => exchange.path.startsWith('/token'))
  expect(tokenRequests.map((exchange) => new URLSearchParams(exchange.requestBody).get('grant_type'))).toEqual(['authorization_code', 'refresh_token'])
  for (const exchange of tokenRequests) {
    const body = new URLSearchParams(exchange.requestBody)
    const answer = JSON.parse(exchange.responseBody) as { access_token?: string; refresh_token?: string }
    for (const value of [body.get('code'), body.get('code_verifier'), body.get('refresh_token'), body.get('client_secret'), answer.access_token, answer.refresh_token]) {
      if (value) expect(secrets.has(value)).toBe(true)
    }
  }
  // 2 states, 1 code, 1 verifier, 1 client secret, 2 access and 2 refresh tokens, the typed secret.
  expect(secrets.size).toBeGreaterThanOrEqual(10)

  const rows = await getDb().auditEvent.findMany({ where: { workspaceId } })
  expect(rows.length).toBeGreaterThanOrEqual(events.length)
  for (const row of rows) {
    const text = JSON.stringify(row)
    for (const secret of secrets) expect(text.includes(secret), `audit event ${row.event} contains a secret`).toBe(false)
  }
})

test('refresh failures reach the audit log: a transient one as refresh_failed, an invalid_grant as reauth_needed, with the issuer', async () => {
  const { owner, ownerCookie, workspaceId } = await workspaceWithMember()
  const serverId = await createOAuthServer(workspaceId, proxy.rewrite(peer.mcpUrl))
  const issuer = proxy.rewrite(peer.issuer)
  await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie })
  const server = await requireServer(workspaceId, serverId)

  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  proxy.fail({ path: '/token', mode: 'status500' })
  const unavailable = await callServerTool(owner.id, server, 'echo', { text: 'down' })
  expect(unavailable.ok ? null : unavailable.failure.kind).toBe('oauth_unavailable')
  proxy.recover()

  peer.revokeRefreshTokens()
  const refused = await callServerTool(owner.id, server, 'echo', { text: 'revoked' })
  expect(refused.ok ? null : refused.failure.kind).toBe('reauth_required')

  const events = await auditOf(serverId)
  expect(events).toContainEqual(expect.objectContaining({ event: 'oauth.refresh_failed', outcome: 'failure', issuer, actorId: owner.id }))
  expect(events).toContainEqual(expect.objectContaining({ event: 'oauth.reauth_needed', outcome: 'failure', issuer, actorId: owner.id }))
})

test('the Disconnect audit event names the authorization server and the scopes that were given up', async () => {
  const { ownerCookie, workspaceId } = await workspaceWithMember()
  const serverId = await createOAuthServer(workspaceId, peer.mcpUrl)
  await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie })
  expect(statusOf(await postDisconnect(workspaceId, serverId, ownerCookie))).toBe(302)
  const events = await auditOf(serverId)
  expect(events.find((event) => event.event === 'oauth.disconnected')).toMatchObject({ issuer: peer.issuer, scopes: 'mcp:tools' })
})
