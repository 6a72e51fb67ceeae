// OAuth discovery to the letter of MCP 2025-11-25 (docs/decisions/014-discovery-to-the-letter.md),
// against real peers on 127.0.0.1: the latest Bearer challenge is kept and followed (custom
// `resource_metadata`, `scope`), OpenID-only authorization servers keep every RFC 8414 field,
// issuers compare as exact strings, MCP 2025-03-26 issuers with a path on the server's origin are
// used and shown, and every outbound OAuth step leaves one log line without a secret.
import http from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { loadEndpoint } from '#app/models/server-headers.server.ts'
import { recordChallenge } from '#app/models/server-probe.server.ts'
import { recordProbe } from '#app/servers/reprobe.server.ts'
import { callServerTool, listServerTools } from '#app/mcp/tools.server.ts'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { action as serverPageAction, loader as serverPageLoader } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { probeMcpServer } from '#app/mcp/probe.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type OidcMcpServer, startOidcMcpServer } from '#tests/servers/oidc-provider-server.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import { type SdkAuthServer, type SdkAuthServerOptions, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { BASE_URL, createTestUser, dataOf, flashOf, formRequest, getRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'
import { captureLogs } from '#tests/support/logs.ts'

const REDIRECT_URI = `${BASE_URL}/oauth/callback`

type Person = { id: string; workspaceId: string; cookie: string }
let owner: Person
const cleanup: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  const user = await createTestUser('Discoverer')
  owner = { id: user.id, workspaceId: user.workspaceId, cookie: await sessionCookieFor(user.id) }
})
afterAll(async () => {
  await getSessionPool().closeAll()
  for (const close of cleanup.reverse()) await close()
})

async function sdkPeer(options: SdkAuthServerOptions = {}): Promise<SdkAuthServer> {
  const peer = await startSdkAuthServer(options)
  cleanup.push(() => peer.close())
  return peer
}

async function oidcPeer(options: Parameters<typeof startOidcMcpServer>[0] = {}): Promise<OidcMcpServer> {
  const peer = await startOidcMcpServer(options)
  cleanup.push(() => peer.close())
  return peer
}

let serverCount = 0
async function addServer(url: string, label: string, authType: 'oauth' | 'none' = 'oauth'): Promise<string> {
  serverCount += 1
  const server = await getDb().mcpServer.create({
    data: { workspaceId: owner.workspaceId, name: `${label} ${serverCount}`, url, authType, timeoutMs: 10_000 },
    select: { id: true },
  })
  return server.id
}

const serverPath = (serverId: string) => `/w/${owner.workspaceId}/servers/${serverId}`

function pressConnect(serverId: string) {
  return settle(() =>
    connectAction({
      request: formRequest(`${serverPath(serverId)}/connect`, { intent: 'connect' }, owner.cookie),
      params: { workspaceId: owner.workspaceId, serverId },
      context: loadContext(),
    }),
  )
}

async function expectRefusedConnect(serverId: string): Promise<string> {
  const result = await pressConnect(serverId)
  expect(statusOf(result)).toBe(302)
  expect(headersOf(result).get('Location')).toBe(serverPath(serverId))
  const flash = await flashOf(result)
  expect(flash?.kind).toBe('error')
  return flash?.message ?? ''
}

async function expectAuthorizationRedirect(serverId: string): Promise<URL> {
  const result = await pressConnect(serverId)
  expect(statusOf(result), JSON.stringify(await flashOf(result))).toBe(302)
  const location = new URL(headersOf(result).get('Location') ?? '', BASE_URL)
  expect(location.origin).not.toBe(BASE_URL)
  expect(location.searchParams.get('redirect_uri')).toBe(REDIRECT_URI)
  return location
}

/** The SDK-based peers approve at once: /authorize answers 302 to the redirect URI. */
async function authorizeAtPeer(authorizationUrl: URL): Promise<URLSearchParams> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  expect(response.status, await response.text()).toBe(302)
  return new URL(response.headers.get('Location') ?? '').searchParams
}

function runCallback(query: URLSearchParams) {
  return settle(() => callbackLoader({ request: getRequest(`/oauth/callback?${query.toString()}`, owner.cookie), params: {}, context: loadContext() }))
}

async function expectConnected(query: URLSearchParams, serverId: string) {
  const result = await runCallback(query)
  expect(statusOf(result), JSON.stringify(dataOf(result))).toBe(302)
  expect(headersOf(result).get('Location')).toBe(serverPath(serverId))
}

async function expectIssuerRefused(query: URLSearchParams, serverId: string) {
  const result = await runCallback(query)
  expect(statusOf(result)).toBe(400)
  expect(JSON.stringify(dataOf(result))).toMatch(/another authorization server|did not say who sent it/)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
}

async function connectAndFinish(serverId: string): Promise<URL> {
  const authorizationUrl = await expectAuthorizationRedirect(serverId)
  await expectConnected(await authorizeAtPeer(authorizationUrl), serverId)
  return authorizationUrl
}

async function enableException(serverId: string, exception: string) {
  const result = await settle(() =>
    serverPageAction({
      request: formRequest(serverPath(serverId), { intent: 'set-oauth-exception', exception, enabled: 'true' }, owner.cookie),
      params: { workspaceId: owner.workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
}

function pressDisconnect(serverId: string) {
  return settle(() =>
    disconnectAction({
      request: formRequest(`${serverPath(serverId)}/disconnect`, { intent: 'disconnect', confirm: 'on' }, owner.cookie),
      params: { workspaceId: owner.workspaceId, serverId },
      context: loadContext(),
    }),
  )
}

async function callEcho(serverId: string) {
  return callServerTool(owner.id, await requireServer(owner.workspaceId, serverId), 'echo', { text: 'hello' })
}

/** Probes the server as the add and edit forms do, and stores the result. */
async function probeAndRecord(serverId: string) {
  const server = await requireServer(owner.workspaceId, serverId)
  const loaded = await loadEndpoint(server)
  if (!loaded.ok) throw new Error('test: unreadable headers')
  const probe = await probeMcpServer(loaded.endpoint)
  await recordProbe(server, probe)
  return probe
}

/** Serves JSON by exact path on 127.0.0.1 (404 elsewhere) for answers no peer gives; records the paths asked. */
async function startTinyServer(routes: (origin: string) => Record<string, () => unknown>): Promise<{ mcpUrl: string; seen: string[] }> {
  const seen: string[] = []
  let table: Record<string, () => unknown> = {}
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    seen.push(path)
    const answer = table[path]
    if (!answer) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found')
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer()))
  })
  const origin = await listenOnLoopback(server)
  table = routes(origin)
  cleanup.push(() => closeServer(server))
  return { mcpUrl: `${origin}/mcp`, seen }
}

// --- 1. The latest Bearer challenge is kept and followed -----------------------------------------

test('a 401 naming resource_metadata at a custom path and a scope: the probe stores it, Connect follows it and asks for that scope', async () => {
  const peer = await sdkPeer({ resourceMetadataPath: '/meta/resource.json', requiredScopes: ['files:read'] })
  const serverId = await addServer(peer.mcpUrl, 'Custom metadata')
  // Without the challenge the well-known URLs are all there is, and they are 404.
  expect(await expectRefusedConnect(serverId)).toContain('does not publish OAuth protected-resource metadata')

  const probe = await probeAndRecord(serverId)
  expect(probe.outcome).toBe('oauth')
  const row = await getDb().serverOAuthDiscovery.findUniqueOrThrow({
    where: { serverId },
    select: { challengeMetadataUrl: true, challengeScope: true, challengeAt: true },
  })
  expect(row.challengeMetadataUrl).toBe(new URL('/meta/resource.json', peer.mcpUrl).href)
  expect(row.challengeScope).toBe('files:read')
  expect(row.challengeAt).not.toBeNull()

  const authorizationUrl = await connectAndFinish(serverId)
  // The challenge's scope, not the metadata's scopes_supported (mcp:tools), nor none.
  expect(authorizationUrl.searchParams.get('scope')).toBe('files:read')
  expect((await callEcho(serverId)).ok).toBe(true)
})

test('an admin’s scopes still win over the challenge’s scope', async () => {
  const peer = await sdkPeer({ resourceMetadataPath: '/meta/resource.json', requiredScopes: ['files:read'] })
  const serverId = await addServer(peer.mcpUrl, 'Admin scopes')
  await probeAndRecord(serverId)
  await getDb().mcpServer.update({ where: { id: serverId }, data: { oauthClient: { upsert: { create: { scopes: 'mcp:tools files:read' }, update: { scopes: 'mcp:tools files:read' } } } } })
  const authorizationUrl = await expectAuthorizationRedirect(serverId)
  expect(authorizationUrl.searchParams.get('scope')).toBe('mcp:tools files:read')
})

test('a Bearer 401 seen while in use is kept, and the next Connect follows it', async () => {
  const peer = await sdkPeer({ resourceMetadataPath: '/meta/in-use.json', requiredScopes: ['files:read'] })
  // Added as an open server: the first listing meets the 401.
  const serverId = await addServer(peer.mcpUrl, 'In use', 'none')
  const listed = await listServerTools(owner.id, await requireServer(owner.workspaceId, serverId))
  expect(listed.ok ? null : listed.failure.kind).toBe('oauth_not_connected')
  const row = await getDb().mcpServer.findUniqueOrThrow({ where: { id: serverId }, select: { authType: true, discovery: { select: { challengeMetadataUrl: true, challengeScope: true } } } })
  expect(row).toEqual({ authType: 'oauth', discovery: { challengeMetadataUrl: new URL('/meta/in-use.json', peer.mcpUrl).href, challengeScope: 'files:read' } })

  const authorizationUrl = await connectAndFinish(serverId)
  expect(authorizationUrl.searchParams.get('scope')).toBe('files:read')
  expect((await callEcho(serverId)).ok).toBe(true)
})

test('a challenge URL that fails falls back to the well-known URLs', async () => {
  const peer = await sdkPeer()
  const serverId = await addServer(peer.mcpUrl, 'Fallback')
  await recordChallenge(serverId, { resourceMetadataUrl: new URL('/gone/metadata.json', peer.mcpUrl).href, scope: null })
  const authorizationUrl = await connectAndFinish(serverId)
  // No challenge scope: the metadata's scopes_supported.
  expect(authorizationUrl.searchParams.get('scope')).toBe('mcp:tools')
})

test('the discovery cache never hides a new challenge URL', async () => {
  const peer = await sdkPeer({ metadataCacheControl: 'max-age=600' })
  const serverId = await addServer(peer.mcpUrl, 'Cached')
  await expectAuthorizationRedirect(serverId)
  const before = peer.stats.metadataRequests.protectedResource
  // Cached: a second Connect asks nothing.
  await expectAuthorizationRedirect(serverId)
  expect(peer.stats.metadataRequests.protectedResource).toBe(before)
  // A challenge names a metadata URL: it is fetched although the cache is fresh.
  await recordChallenge(serverId, { resourceMetadataUrl: peer.resourceMetadataUrl, scope: null })
  await expectAuthorizationRedirect(serverId)
  expect(peer.stats.metadataRequests.protectedResource).toBe(before + 1)
})

// --- 3. OpenID-only authorization servers keep every field --------------------------------------

test('an authorization server reachable only through openid-configuration keeps its revocation endpoint and its iss promise', async () => {
  const peer = await oidcPeer({ oauthAuthorizationServerMetadata: false })
  expect((await fetch(`${peer.issuer}/.well-known/oauth-authorization-server`)).status).toBe(404)
  const serverId = await addServer(peer.mcpUrl, 'OpenID only')

  // authorization_response_iss_parameter_supported is kept: a missing iss is refused.
  const first = await expectAuthorizationRedirect(serverId)
  const withoutIss = new URL(await peer.approveAuthorization(first.href)).searchParams
  withoutIss.delete('iss')
  await expectIssuerRefused(withoutIss, serverId)

  const second = await expectAuthorizationRedirect(serverId)
  await expectConnected(new URL(await peer.approveAuthorization(second.href)).searchParams, serverId)
  expect((await callEcho(serverId)).ok).toBe(true)

  // revocation_endpoint is kept: Disconnect revokes there.
  const revokedBefore = peer.stats.revocations.refreshToken
  const disconnected = await pressDisconnect(serverId)
  expect(statusOf(disconnected)).toBe(302)
  expect(peer.stats.revocations.refreshToken).toBe(revokedBefore + 1)
  expect((await flashOf(disconnected))?.message).toMatch(/revoked access at its authorization server/)
  const audit = await getDb().auditEvent.findFirstOrThrow({ where: { serverId, event: 'oauth.disconnected' }, select: { detail: true } })
  expect(audit.detail).toBe('Revoked at the authorization server')
})

// --- 4. Issuers compare as exact strings ----------------------------------------------------------

test('iss without the trailing slash of an issuer that has one is refused', async () => {
  const peer = await sdkPeer()
  expect(peer.issuer.endsWith('/')).toBe(true)
  const serverId = await addServer(peer.mcpUrl, 'Slash issuer')
  const query = await authorizeAtPeer(await expectAuthorizationRedirect(serverId))
  query.set('iss', peer.issuer.replace(/\/$/, ''))
  await expectIssuerRefused(query, serverId)
})

test('iss with a trailing slash for an issuer without one is refused', async () => {
  const peer = await oidcPeer()
  expect(peer.issuer.endsWith('/')).toBe(false)
  const serverId = await addServer(peer.mcpUrl, 'No-slash issuer')
  const query = new URL(await peer.approveAuthorization((await expectAuthorizationRedirect(serverId)).href)).searchParams
  expect(query.get('iss')).toBe(peer.issuer)
  query.set('iss', `${peer.issuer}/`)
  await expectIssuerRefused(query, serverId)
})

test('authorization-server metadata whose issuer differs from the resource’s entry only by a trailing slash is refused', async () => {
  for (const [named, claimed] of [['/', ''], ['', '/']] as const) {
    const tiny = await startTinyServer((origin) => ({
      '/.well-known/oauth-protected-resource/mcp': () => ({ resource: `${origin}/mcp`, authorization_servers: [`${origin}${named}`] }),
      '/.well-known/oauth-authorization-server': () => ({
        issuer: `${origin}${claimed}`,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      }),
    }))
    const serverId = await addServer(tiny.mcpUrl, 'Tiny issuer')
    expect(await expectRefusedConnect(serverId)).toContain('names another issuer')
    expect(tiny.seen).not.toContain('/register')
  }
})

// --- 6. MCP 2025-03-26 servers whose issuer has a path -------------------------------------------

test('with legacy_discovery, an issuer with a path on the server’s origin is used, shown and audited once', async () => {
  const peer = await sdkPeer({ protectedResourceMetadata: false, metadataIssuer: (origin) => `${origin}/oauth` })
  const origin = new URL(peer.mcpUrl).origin
  const serverId = await addServer(peer.mcpUrl, 'Legacy path issuer')
  expect(await expectRefusedConnect(serverId)).toContain('MCP 2025-03-26 discovery')
  await enableException(serverId, 'legacy_discovery')

  await connectAndFinish(serverId)
  expect((await callEcho(serverId)).ok).toBe(true)
  const connection = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { issuer: true } })
  expect(connection.issuer).toBe(`${origin}/oauth`)
  // The issuer compares exactly in the callback too: the origin alone is not it.
  const query = await authorizeAtPeer(await expectAuthorizationRedirect(serverId))
  query.set('iss', origin)
  const refused = await runCallback(query)
  expect(statusOf(refused)).toBe(400)

  const audits = await getDb().auditEvent.findMany({ where: { serverId, event: 'oauth.legacy_issuer' }, select: { issuer: true, detail: true } })
  expect(audits).toEqual([{ issuer: `${origin}/oauth`, detail: expect.stringContaining(`${origin}/oauth`) }])

  const page = await settle(() =>
    serverPageLoader({ request: getRequest(serverPath(serverId), owner.cookie), params: { workspaceId: owner.workspaceId, serverId }, context: loadContext() }),
  )
  expect(JSON.stringify(dataOf(page))).toContain(`"legacyIssuer":"${origin}/oauth"`)
})

test('with legacy_discovery, an issuer on another origin stays refused', async () => {
  const peer = await sdkPeer({ protectedResourceMetadata: false, metadataIssuer: (origin) => `${origin.replace('127.0.0.1', 'localhost')}/oauth` })
  const serverId = await addServer(peer.mcpUrl, 'Legacy foreign issuer')
  await enableException(serverId, 'legacy_discovery')
  expect(await expectRefusedConnect(serverId)).toContain('names another issuer')
  expect(await getDb().auditEvent.count({ where: { serverId, event: 'oauth.legacy_issuer' } })).toBe(0)
})

// --- 12. OAuth in the logs ------------------------------------------------------------------------

type LogLine = { level: number; msg: string; oauthStep?: string; issuer?: string | null; endpointHost?: string | null; outcome?: string; durationMs?: number }


test('every outbound OAuth step logs one line with issuer, host, outcome and duration, and never a secret', async () => {
  const peer = await sdkPeer()
  const serverId = await addServer(peer.mcpUrl, 'Logged')
  const secrets: string[] = []
  let authorizationUrl: URL | null = null
  let query: URLSearchParams | null = null
  const output = await captureLogs(async () => {
    authorizationUrl = await expectAuthorizationRedirect(serverId)
    query = await authorizeAtPeer(authorizationUrl)
    await expectConnected(query, serverId)
    const first = await getConnectionWithTokens(serverId, owner.id)
    // Refresh: the stored token looks expired.
    await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
    expect((await callEcho(serverId)).ok).toBe(true)
    const second = await getConnectionWithTokens(serverId, owner.id)
    const registration = await getDb().oAuthClientRegistration.findFirstOrThrow({ where: { serverId }, select: { clientId: true } })
    secrets.push(...[first?.accessToken, first?.refreshToken, second?.accessToken, second?.refreshToken].filter((value) => typeof value === 'string'))
    expect(registration.clientId).toBeTruthy()
    expect(statusOf(await pressDisconnect(serverId))).toBe(302)
  })
  const lines: LogLine[] = output.trim().split('\n').map((line) => JSON.parse(line))
  const steps = lines.filter((line) => line.oauthStep)
  const host = new URL(peer.mcpUrl).host
  for (const step of ['discovery.resource_metadata', 'discovery.authorization_server_metadata', 'registration', 'token_exchange', 'refresh', 'revocation']) {
    const line = steps.find((entry) => entry.oauthStep === step)
    expect(line, step).toMatchObject({ level: 20, endpointHost: host, outcome: expect.stringMatching(/ok$/), durationMs: expect.any(Number) })
    if (step !== 'discovery.resource_metadata') expect(line?.issuer, step).toBe(peer.issuer)
  }
  expect(secrets.length).toBe(4)
  for (const secret of secrets) expect(output).not.toContain(secret)
  const code = (query as URLSearchParams | null)?.get('code') ?? ''
  const state = (query as URLSearchParams | null)?.get('state') ?? ''
  expect(code).not.toBe('')
  expect(output).not.toContain(code)
  expect(output).not.toContain(state)
  expect(output).not.toContain('?')
})

test('a refresh ended by invalid_grant logs at info; a server without revocation logs the skipped revocation', async () => {
  const peer = await sdkPeer()
  const serverId = await addServer(peer.mcpUrl, 'Logged refusal')
  await connectAndFinish(serverId)
  peer.revokeRefreshTokens()
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  const output = await captureLogs(async () => {
    expect((await callEcho(serverId)).ok).toBe(false)
  })
  const lines: LogLine[] = output.trim().split('\n').map((line) => JSON.parse(line))
  expect(lines.find((line) => line.oauthStep === 'refresh')).toMatchObject({ level: 30, outcome: 'invalid_grant', issuer: peer.issuer })

  // An MCP 2025-03-26 server without any metadata: the default endpoints include no revocation.
  const bare = await sdkPeer({ protectedResourceMetadata: false, authorizationServerMetadata: false })
  const bareId = await addServer(bare.mcpUrl, 'No revocation')
  await enableException(bareId, 'legacy_discovery')
  await connectAndFinish(bareId)
  const skipped = await captureLogs(async () => {
    expect(statusOf(await pressDisconnect(bareId))).toBe(302)
  })
  const skippedLines: LogLine[] = skipped.trim().split('\n').map((line) => JSON.parse(line))
  expect(skippedLines.find((line) => line.oauthStep === 'revocation_skipped')).toMatchObject({ level: 20, outcome: 'no_revocation_endpoint', issuer: new URL(bare.mcpUrl).origin })
  expect(skippedLines.some((line) => line.oauthStep === 'revocation')).toBe(false)
})
