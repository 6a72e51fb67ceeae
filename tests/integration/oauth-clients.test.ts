// Connect's refusals and Switchboard's client identity, against real peers on 127.0.0.1 (and, for
// answers no peer produces, a tiny HTTP server of this file's own): unsafe or broken metadata is
// refused before any redirect; each named exception lets a rule-breaking server work once an admin
// enables it; Dynamic Client Registration is shared by a workspace and sends what the spec asks;
// a pre-registered client and a Client ID Metadata Document work end to end; a registration the
// server later rejects is discarded and made again.
import http from 'node:http'
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { z } from 'zod'
import { requireServer } from '#app/models/server.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { callServerTool, listServerTools } from '#app/mcp/tools.server.ts'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { loader as documentLoader } from '#app/routes/oauth.client-metadata[.]json.ts'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { action as serverPageAction } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { encryptSecret } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { startPreregisteredServer } from '#tests/servers/preregistered-server.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import { type SdkAuthServer, type SdkAuthServerOptions, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import {
  BASE_URL,
  createTestUser,
  dataOf,
  flashOf,
  formRequest,
  getRequest,
  headersOf,
  loadContext,
  sessionCookieFor,
  settle,
  statusOf,
} from '#tests/utils.ts'

const REDIRECT_URI = `${BASE_URL}/oauth/callback`

type Person = { id: string; email: string; workspaceId: string; cookie: string }

let owner: Person
let member: Person
const cleanup: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  const [a, b] = await Promise.all([createTestUser('Owner'), createTestUser('Member')])
  await addMember(a.workspaceId, 'owner', b.email, 'member')
  owner = { id: a.id, email: a.email, workspaceId: a.workspaceId, cookie: await sessionCookieFor(a.id) }
  member = { id: b.id, email: b.email, workspaceId: a.workspaceId, cookie: await sessionCookieFor(b.id) }
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

let serverCount = 0
async function addServer(url: string, label: string): Promise<string> {
  serverCount += 1
  const server = await getDb().mcpServer.create({
    data: { workspaceId: owner.workspaceId, name: `${label} ${serverCount}`, url, authType: 'oauth', timeoutMs: 10_000 },
    select: { id: true },
  })
  return server.id
}

const serverPath = (serverId: string) => `/w/${owner.workspaceId}/servers/${serverId}`

function pressConnect(serverId: string, who: Person = owner, action = connectAction) {
  return settle(() =>
    action({
      request: formRequest(`${serverPath(serverId)}/connect`, { intent: 'connect' }, who.cookie),
      params: { workspaceId: owner.workspaceId, serverId },
      context: loadContext(),
    }),
  )
}

/** Connect was refused: back on the server page with an error flash, and no flow left behind. */
async function expectRefusedConnect(serverId: string, who: Person = owner): Promise<string> {
  const result = await pressConnect(serverId, who)
  expect(statusOf(result)).toBe(302)
  expect(headersOf(result).get('Location')).toBe(serverPath(serverId))
  const flash = await flashOf(result)
  expect(flash?.kind).toBe('error')
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(0)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
  return flash?.message ?? ''
}

/** Connect went to the authorization server: returns the authorization URL. */
async function expectAuthorizationRedirect(serverId: string, who: Person = owner, action = connectAction): Promise<URL> {
  const result = await pressConnect(serverId, who, action)
  expect(statusOf(result)).toBe(302)
  const location = new URL(headersOf(result).get('Location') ?? '', BASE_URL)
  expect(location.origin).not.toBe(BASE_URL)
  expect(location.searchParams.get('code_challenge_method')).toBe('S256')
  expect(location.searchParams.get('redirect_uri')).toBe(REDIRECT_URI)
  return location
}

/** The SDK-based peers approve at once: /authorize answers 302 to the redirect URI. */
async function authorizeAtPeer(authorizationUrl: URL): Promise<URLSearchParams> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  const text = await response.text()
  expect(response.status, text).toBe(302)
  const back = new URL(response.headers.get('Location') ?? '')
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI)
  return back.searchParams
}

function runCallback(query: URLSearchParams, who: Person = owner, loader = callbackLoader) {
  return settle(() => loader({ request: getRequest(`/oauth/callback?${query.toString()}`, who.cookie), params: {}, context: loadContext() }))
}

const CallbackPageSchema = z.object({ message: z.string(), serverPath: z.string().nullable(), signIn: z.boolean() })

/** Connect → the peer approves → callback: connected, back on the server page. */
async function connectAndFinish(serverId: string, who: Person = owner): Promise<URL> {
  const authorizationUrl = await expectAuthorizationRedirect(serverId, who)
  const result = await runCallback(await authorizeAtPeer(authorizationUrl), who)
  expect(statusOf(result), JSON.stringify(dataOf(result))).toBe(302)
  expect(headersOf(result).get('Location')).toBe(serverPath(serverId))
  expect((await flashOf(result))?.message).toMatch(/^Connected to /)
  return authorizationUrl
}

function adminAction(serverId: string, fields: Record<string, string>) {
  return settle(() =>
    serverPageAction({
      request: formRequest(serverPath(serverId), fields, owner.cookie),
      params: { workspaceId: owner.workspaceId, serverId },
      context: loadContext(),
    }),
  )
}

async function enableException(serverId: string, exception: string) {
  const result = await adminAction(serverId, { intent: 'set-oauth-exception', exception, enabled: 'true' })
  expect(statusOf(result)).toBe(302)
  expect((await flashOf(result))?.message).toMatch(/: enabled\.$/)
}

async function callEcho(serverId: string, who: Person = owner) {
  const server = await requireServer(owner.workspaceId, serverId)
  return callServerTool(who.id, server, 'echo', { text: `hello from ${who.id}` })
}

// --- A tiny HTTP server for answers no peer gives -------------------------------------------------

type TinyAnswer = { status?: number; type?: string; body: string }
type TinyRoutes = Record<string, (body: string) => TinyAnswer>
type TinyServer = { origin: string; mcpUrl: string; seen: Array<{ method: string; path: string; body: string }> }

/** Serves `routes(origin)` by exact path on 127.0.0.1; 404 elsewhere. Records every request. */
async function startTinyServer(routes: (origin: string) => TinyRoutes): Promise<TinyServer> {
  const seen: TinyServer['seen'] = []
  let table: TinyRoutes = {}
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/'
      seen.push({ method: req.method ?? 'GET', path, body })
      const answer = table[path]?.(body) ?? { status: 404, type: 'text/plain', body: 'Not found' }
      res.writeHead(answer.status ?? 200, { 'Content-Type': answer.type ?? 'application/json' })
      res.end(answer.body)
    })
  })
  const origin = await listenOnLoopback(server)
  table = routes(origin)
  cleanup.push(() => closeServer(server))
  return { origin, mcpUrl: `${origin}/mcp`, seen }
}

const json = (value: unknown): TinyAnswer => ({ body: JSON.stringify(value) })

/** An authorization server that follows every rule, for one test to break one of them. */
function tinyAuthorizationServer(origin: string, overrides: Record<string, unknown> = {}) {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'none'],
    ...overrides,
  }
}

function tinyRoutes(origin: string, metadata: TinyAnswer, extra: TinyRoutes = {}): TinyRoutes {
  return {
    '/.well-known/oauth-protected-resource/mcp': () => json({ resource: `${origin}/mcp`, authorization_servers: [origin] }),
    '/.well-known/oauth-authorization-server': () => metadata,
    ...extra,
  }
}

async function expectBadMetadataRefused(metadata: (origin: string) => TinyAnswer): Promise<string> {
  const tiny = await startTinyServer((origin) => tinyRoutes(origin, metadata(origin)))
  const serverId = await addServer(tiny.mcpUrl, 'Tiny')
  const message = await expectRefusedConnect(serverId)
  // Refused at discovery: nothing was registered and nobody was sent anywhere.
  expect(tiny.seen.map((request) => request.path)).not.toContain('/register')
  expect(tiny.seen.map((request) => request.path)).not.toContain('/authorize')
  expect(await getDb().oAuthClientRegistration.count({ where: { serverId } })).toBe(0)
  return message
}

// --- 3. Connect refusals --------------------------------------------------------------------------

test('an authorization endpoint with a non-http(s) scheme is refused before any redirect', async () => {
  // javascript: and data: already fail the SDK's metadata schema; ftp: passes it and meets Switchboard's own check.
  for (const endpoint of ['javascript:alert(document.cookie)', 'data:text/html,hi']) {
    const message = await expectBadMetadataRefused((origin) => json(tinyAuthorizationServer(origin, { authorization_endpoint: endpoint })))
    expect(message).toContain('Could not read the authorization-server metadata')
    expect(message).not.toContain(endpoint)
  }
  const message = await expectBadMetadataRefused((origin) =>
    json(tinyAuthorizationServer(origin, { authorization_endpoint: 'ftp://127.0.0.1/authorize' })),
  )
  expect(message).toBe('The authorization server’s authorization endpoint (ftp://127.0.0.1/authorize) is not an https address. Switchboard refuses it.')
})

test('an authorization endpoint on plain http outside this computer is refused before any redirect', async () => {
  const message = await expectBadMetadataRefused((origin) =>
    json(tinyAuthorizationServer(origin, { authorization_endpoint: 'http://auth.example.com/authorize' })),
  )
  expect(message).toBe('The authorization server’s authorization endpoint (http://auth.example.com/authorize) is not an https address. Switchboard refuses it.')
})

test('authorization server metadata that is not JSON is refused with a sentence, not a parser error', async () => {
  const message = await expectBadMetadataRefused(() => ({ type: 'text/html', body: '<html><body>Welcome to nginx!</body></html>' }))
  expect(message).toContain('Could not read the authorization-server metadata')
  expect(message).not.toContain('nginx')
  expect(message).not.toMatch(/SyntaxError|Unexpected token/)
})

test('authorization server metadata larger than 256 KB is refused', async () => {
  const message = await expectBadMetadataRefused((origin) =>
    json(tinyAuthorizationServer(origin, { padding: 'x'.repeat(300 * 1024) })),
  )
  expect(message).toContain('is larger than 256 KiB')
  expect(message).not.toContain('xxxxxxxx')
})

test('authorization server metadata whose issuer differs from where it was found is refused', async () => {
  const message = await expectBadMetadataRefused((origin) => json(tinyAuthorizationServer(origin, { issuer: 'http://127.0.0.1:9/elsewhere' })))
  expect(message).toContain('names another issuer (http://127.0.0.1:9/elsewhere)')
  expect(message).toContain('RFC 8414')
})

test('protected-resource metadata naming another resource than the server URL is refused', async () => {
  const peer = await sdkPeer({ resourceOverride: 'https://other.example.com/mcp' })
  const serverId = await addServer(peer.mcpUrl, 'Wrong resource')
  const message = await expectRefusedConnect(serverId)
  expect(message).toContain('names another resource (https://other.example.com/mcp)')
  expect(message).toContain('check the server URL')
  expect(peer.stats.registrationRequests).toBe(0)
  expect(peer.stats.authorizationRequests).toBe(0)
})

test('an authorization server that does not list S256 is refused until an admin enables assume_pkce_s256', async () => {
  const peer = await sdkPeer({ advertiseS256: false })
  const serverId = await addServer(peer.mcpUrl, 'No S256')
  const message = await expectRefusedConnect(serverId)
  expect(message).toContain('does not say it supports PKCE (S256)')
  expect(message).toContain('Use PKCE S256 although the metadata does not list it')
  expect(peer.stats.authorizationRequests).toBe(0)

  await enableException(serverId, 'assume_pkce_s256')
  await connectAndFinish(serverId)
  expect((await callEcho(serverId)).ok).toBe(true)
  const audit = await getDb().auditEvent.findFirst({ where: { serverId, event: 'oauth.exception_toggled' }, select: { detail: true } })
  expect(audit?.detail).toContain('Use PKCE S256 although the metadata does not list it: enabled')
})

test('an MCP 2025-03-26 server without protected-resource metadata is refused, then works with legacy_discovery', async () => {
  const peer = await sdkPeer({ protectedResourceMetadata: false })
  const serverId = await addServer(peer.mcpUrl, 'Legacy')
  const message = await expectRefusedConnect(serverId)
  expect(message).toContain('does not publish OAuth protected-resource metadata')
  expect(message).toContain('enable the exception “MCP 2025-03-26 discovery”')

  await enableException(serverId, 'legacy_discovery')
  const authorizationUrl = await connectAndFinish(serverId)
  expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(new URL('/authorize', peer.issuer).href)
  expect((await callEcho(serverId)).ok).toBe(true)
})

test('an MCP 2025-03-26 server without any metadata works with legacy_discovery through /authorize, /token and /register', async () => {
  const peer = await sdkPeer({ protectedResourceMetadata: false, authorizationServerMetadata: false })
  const serverId = await addServer(peer.mcpUrl, 'Legacy bare')
  const message = await expectRefusedConnect(serverId)
  expect(message).toContain('enable the exception “MCP 2025-03-26 discovery”')

  await enableException(serverId, 'legacy_discovery')
  // NOTE: this server is built like the MCP 2025-03-26 reference (the SDK's auth handlers): its token
  // endpoint reads client credentials from the body only. Without metadata Switchboard registers for
  // client_secret_basic (RFC 8414's default), which such servers cannot authenticate.
  await connectAndFinish(serverId)
  expect(peer.stats.registrations).toBe(1)
  expect(peer.stats.tokenRequests.authorization_code).toBe(1)
  expect((await callEcho(serverId)).ok).toBe(true)
})

test('an Entra-like server refusing the resource parameter gets the invalid_target sentence, then works with omit_resource', async () => {
  const peer = await sdkPeer({ rejectResourceParameter: true })
  const serverId = await addServer(peer.mcpUrl, 'Entra-like')
  const first = await expectAuthorizationRedirect(serverId)
  expect(first.searchParams.get('resource')).toBe(peer.mcpUrl)
  const refused = await authorizeAtPeer(first)
  expect(refused.get('error')).toBe('invalid_target')
  const result = await runCallback(refused)
  expect(statusOf(result)).toBe(400)
  const page = CallbackPageSchema.parse(dataOf(result))
  expect(page.message).toContain('refused the resource indicator for this server')
  expect(page.message).toContain('enable the exception “Do not send the resource parameter”')
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)

  await enableException(serverId, 'omit_resource')
  const authorizationUrl = await connectAndFinish(serverId)
  expect(authorizationUrl.searchParams.has('resource')).toBe(false)
  expect(peer.stats.tokenErrors.invalid_target ?? 0).toBe(0)
  expect((await callEcho(serverId)).ok).toBe(true)
})

// --- 4. Client identity ---------------------------------------------------------------------------

test('one Dynamic Client Registration is shared by two members of the same workspace', async () => {
  const peer = await sdkPeer()
  const serverId = await addServer(peer.mcpUrl, 'Shared DCR')
  await connectAndFinish(serverId, owner)
  await connectAndFinish(serverId, member)

  expect(peer.stats.registrations).toBe(1)
  const rows = await getDb().oAuthConnection.findMany({ where: { serverId }, select: { userId: true, clientId: true, clientKind: true } })
  expect(rows.map((row) => row.userId).sort()).toEqual([owner.id, member.id].sort())
  expect(new Set(rows.map((row) => row.clientId)).size).toBe(1)
  expect(rows.every((row) => row.clientKind === 'dynamic')).toBe(true)
  expect(await getDb().oAuthClientRegistration.count({ where: { serverId } })).toBe(1)
  expect((await callEcho(serverId, owner)).ok).toBe(true)
  expect((await callEcho(serverId, member)).ok).toBe(true)
})

test('Dynamic Client Registration asks for a web application with the refresh_token grant and the callback URI', async () => {
  const tiny = await startTinyServer((origin) =>
    tinyRoutes(origin, json(tinyAuthorizationServer(origin)), {
      '/register': (body) => ({ status: 201, body: JSON.stringify({ ...JSON.parse(body), client_id: 'recorded-client', client_secret: 'recorded-secret' }) }),
    }),
  )
  const serverId = await addServer(tiny.mcpUrl, 'Recording')
  const authorizationUrl = await expectAuthorizationRedirect(serverId)
  expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${tiny.origin}/authorize`)
  expect(authorizationUrl.searchParams.get('client_id')).toBe('recorded-client')

  const registrations = tiny.seen.filter((request) => request.path === '/register')
  expect(registrations).toHaveLength(1)
  const sent = z
    .object({
      application_type: z.string(),
      grant_types: z.array(z.string()),
      redirect_uris: z.array(z.string()),
      response_types: z.array(z.string()),
      token_endpoint_auth_method: z.string(),
    })
    .parse(JSON.parse(registrations[0]?.body ?? '{}'))
  expect(sent.application_type).toBe('web')
  expect(sent.grant_types).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']))
  expect(sent.redirect_uris).toEqual([REDIRECT_URI])
  expect(sent.response_types).toEqual(['code'])
  expect(sent.token_endpoint_auth_method).toBe('client_secret_post')
  // The secret it got back is stored encrypted, not in clear.
  const stored = await getDb().oAuthClientRegistration.findFirstOrThrow({ where: { serverId }, select: { clientId: true, clientSecret: true } })
  expect(stored.clientId).toBe('recorded-client')
  expect(stored.clientSecret).not.toContain('recorded-secret')
})

test('a registration endpoint answering 400 invalid_client_metadata gives a readable message and stores nothing', async () => {
  const tiny = await startTinyServer((origin) =>
    tinyRoutes(origin, json(tinyAuthorizationServer(origin)), {
      '/register': () => ({ status: 400, body: JSON.stringify({ error: 'invalid_client_metadata', error_description: 'grant_types not allowed' }) }),
    }),
  )
  const serverId = await addServer(tiny.mcpUrl, 'DCR 400')
  const message = await expectRefusedConnect(serverId)
  expect(message).toBe(
    `The authorization server refused to register Switchboard: “invalid_client_metadata: grant_types not allowed”. An admin can register a client there (redirect URI: ${REDIRECT_URI}) and enter its client ID and secret on this server’s page.`,
  )
  expect(await getDb().oAuthClientRegistration.count({ where: { serverId } })).toBe(0)
  expect(tiny.seen.map((request) => request.path)).not.toContain('/authorize')
})

test('a registration endpoint answering 500 says the authorization server is unavailable for now', async () => {
  const tiny = await startTinyServer((origin) =>
    tinyRoutes(origin, json(tinyAuthorizationServer(origin)), {
      '/register': () => ({ status: 500, type: 'text/plain', body: 'Internal Server Error: stack trace at Foo.bar' }),
    }),
  )
  const serverId = await addServer(tiny.mcpUrl, 'DCR 500')
  const message = await expectRefusedConnect(serverId)
  expect(message).toBe('The authorization server is temporarily unavailable. Try again in a few minutes.')
  expect(await getDb().oAuthClientRegistration.count({ where: { serverId } })).toBe(0)
})

test('a registration endpoint refusing with a 4xx (invalid_redirect_uri, or a plain 403 page) is not reported as a temporary outage', async () => {
  // Neither gets better by waiting: the person must be told to ask an admin, not to try again later.
  // invalid_redirect_uri is RFC 7591 §3.2.2's own code; the SDK does not know it.
  for (const answer of [
    { status: 400, body: JSON.stringify({ error: 'invalid_redirect_uri', error_description: 'http redirect URIs are not allowed' }) },
    { status: 403, type: 'text/html', body: '<h1>Forbidden</h1>' },
  ]) {
    const tiny = await startTinyServer((origin) => tinyRoutes(origin, json(tinyAuthorizationServer(origin)), { '/register': () => answer }))
    const serverId = await addServer(tiny.mcpUrl, `DCR ${answer.status}`)
    const message = await expectRefusedConnect(serverId)
    expect(message, `HTTP ${answer.status}`).not.toContain('temporarily unavailable')
    expect(message).not.toContain('Forbidden')
    expect(message).toMatch(/admin/i)
  }
})

test('without a registration endpoint Connect names the redirect URI to paste; with the admin’s client it works', async () => {
  const peer = await startPreregisteredServer({ clientId: 'switchboard-prereg', clientSecret: 's3cret-value', redirectUris: [REDIRECT_URI] })
  cleanup.push(() => peer.close())
  const serverId = await addServer(peer.mcpUrl, 'Pre-registered')
  const message = await expectRefusedConnect(serverId)
  expect(message).toContain(`redirect URI: ${REDIRECT_URI}`)
  expect(message).toContain('An admin must register a client there')
  expect(peer.stats.authorizationRequests).toBe(0)

  const saved = await adminAction(serverId, {
    intent: 'set-oauth-client',
    clientId: 'switchboard-prereg',
    clientSecret: 's3cret-value',
    authMethod: 'client_secret_basic',
  })
  expect(statusOf(saved)).toBe(302)
  expect((await flashOf(saved))?.message).toBe('Saved the OAuth client. Everyone must reconnect.')

  const authorizationUrl = await connectAndFinish(serverId)
  expect(authorizationUrl.searchParams.get('client_id')).toBe('switchboard-prereg')
  expect(peer.stats.registrationRequests).toBe(0)
  expect(peer.stats.clientAuthenticationFailures).toBe(0)
  const row = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { clientKind: true, clientId: true } })
  expect(row).toEqual({ clientKind: 'preregistered', clientId: 'switchboard-prereg' })
  const server = await requireServer(owner.workspaceId, serverId)
  expect((await listServerTools(owner.id, server)).ok).toBe(true)
  expect((await callEcho(serverId)).ok).toBe(true)
})

test('a wrong pre-registered client secret ends the callback with the invalid_client sentence and stores nothing', async () => {
  const peer = await startPreregisteredServer({ clientId: 'switchboard-wrong', clientSecret: 'the-right-secret', redirectUris: [REDIRECT_URI] })
  cleanup.push(() => peer.close())
  const serverId = await addServer(peer.mcpUrl, 'Wrong secret')
  await adminAction(serverId, { intent: 'set-oauth-client', clientId: 'switchboard-wrong', clientSecret: 'a-wrong-secret', authMethod: 'client_secret_basic' })

  const back = await authorizeAtPeer(await expectAuthorizationRedirect(serverId))
  const result = await runCallback(back)
  expect(statusOf(result)).toBe(502)
  const page = CallbackPageSchema.parse(dataOf(result))
  expect(page.message).toContain('did not accept Switchboard’s client credentials')
  expect(page.message).toContain('check the client ID and secret')
  expect(JSON.stringify(page)).not.toContain('a-wrong-secret')
  expect(JSON.stringify(page)).not.toContain(back.get('code') ?? '')
  expect(peer.stats.clientAuthenticationFailures).toBe(1)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
})

test('a client id and secret with %, +, spaces and non-ASCII characters are form-encoded for HTTP Basic', async () => {
  const clientId = 'sb+client%1 ü'
  const clientSecret = 'p%2B+ü/é:§ 100%&=ñ'
  const peer = await startPreregisteredServer({ clientId, clientSecret, redirectUris: [REDIRECT_URI] })
  cleanup.push(() => peer.close())
  const serverId = await addServer(peer.mcpUrl, 'Odd secret')
  const saved = await adminAction(serverId, { intent: 'set-oauth-client', clientId, clientSecret, authMethod: 'client_secret_basic' })
  expect(statusOf(saved)).toBe(302)

  await connectAndFinish(serverId)
  expect(peer.stats.clientAuthenticationFailures).toBe(0)
  expect((await callEcho(serverId)).ok).toBe(true)
})

test('with an http PUBLIC_URL the metadata document is never offered: the route is 404 and DCR is used', async () => {
  const response = documentLoader()
  expect(response.status).toBe(404)

  const peer = await sdkPeer({ clientIdMetadataDocuments: true })
  const serverId = await addServer(peer.mcpUrl, 'CIMD on http')
  await connectAndFinish(serverId)
  expect(peer.stats.registrations).toBe(1)
  expect(peer.stats.metadataDocumentFetches).toBe(0)
  const row = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { clientKind: true } })
  expect(row.clientKind).toBe('dynamic')
})

/** Runs `fn` with extra environment variables in a fresh module graph (getEnv() is parsed once per graph). */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]))
  Object.assign(process.env, vars)
  vi.resetModules()
  try {
    return await fn()
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    vi.resetModules()
  }
}

const DocumentSchema = z
  .object({
    client_id: z.string(),
    redirect_uris: z.array(z.string()),
    grant_types: z.array(z.string()),
    token_endpoint_auth_method: z.string(),
    application_type: z.string(),
  })
  .passthrough()

test('with an https PUBLIC_URL the metadata document route serves a document whose client_id is its own URL', async () => {
  await withEnv({ PUBLIC_URL: 'https://switchboard.example.com' }, async () => {
    const route = await import('#app/routes/oauth.client-metadata[.]json.ts')
    const response = route.loader()
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/)
    const document = DocumentSchema.parse(await response.json())
    expect(document.client_id).toBe('https://switchboard.example.com/oauth/client-metadata.json')
    expect(document.redirect_uris).toEqual(['https://switchboard.example.com/oauth/callback'])
    expect(document.grant_types).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']))
    expect(document.token_endpoint_auth_method).toBe('none')
    expect(document.application_type).toBe('web')
    expect(document).not.toHaveProperty('client_secret')
  })
})

test('a Client ID Metadata Document hosted elsewhere (OAUTH_CLIENT_METADATA_URL) is used instead of DCR, end to end', async () => {
  const documentUrl = 'https://docs.switchboard.example.com/clients/switchboard.json'
  // The copy of the app's document that the deployment hosts at documentUrl, served over plain
  // HTTP on 127.0.0.1; the peer's own fetch of https://docs.switchboard.example.com is routed here
  // (the peer has no hook to map an https document URL to a loopback one).
  let serveDocument: () => Response = () => new Response('not ready', { status: 503 })
  const hostServer = http.createServer((req, res) => {
    void (async () => {
      const response = req.url === new URL(documentUrl).pathname ? serveDocument() : new Response('Not found', { status: 404 })
      res.writeHead(response.status, { 'Content-Type': response.headers.get('Content-Type') ?? 'text/plain' })
      res.end(await response.text())
    })()
  })
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve))
  cleanup.push(() => new Promise<void>((resolve) => hostServer.close(() => resolve())))
  const hostAddress = hostServer.address()
  if (hostAddress === null || typeof hostAddress === 'string') throw new Error('test: no TCP address')

  const previous: Dispatcher = getGlobalDispatcher()
  const routed = new Agent().compose((dispatch) => (options, handler) => {
    const target = options.origin && new URL(String(options.origin)).hostname === 'docs.switchboard.example.com'
    return dispatch(target ? { ...options, origin: `http://127.0.0.1:${hostAddress.port}` } : options, handler)
  })

  const peer = await sdkPeer({ clientIdMetadataDocuments: true })
  const serverId = await addServer(peer.mcpUrl, 'CIMD elsewhere')
  setGlobalDispatcher(routed)
  try {
    await withEnv({ OAUTH_CLIENT_METADATA_URL: documentUrl }, async () => {
      const documentRoute = await import('#app/routes/oauth.client-metadata[.]json.ts')
      const connectRoute = await import('#app/routes/w.$workspaceId.servers.$serverId.connect.tsx')
      const callbackRoute = await import('#app/routes/oauth.callback.tsx')
      serveDocument = documentRoute.loader

      const authorizationUrl = await expectAuthorizationRedirect(serverId, owner, connectRoute.action)
      expect(authorizationUrl.searchParams.get('client_id')).toBe(documentUrl)
      const back = await authorizeAtPeer(authorizationUrl)
      const result = await runCallback(back, owner, callbackRoute.loader)
      expect(statusOf(result), JSON.stringify(dataOf(result))).toBe(302)
    })
  } finally {
    setGlobalDispatcher(previous)
    await routed.close()
  }

  expect(peer.stats.metadataDocumentFetches).toBe(1)
  expect(peer.stats.metadataDocumentFailures).toBe(0)
  expect(peer.stats.registrations).toBe(0)
  expect(peer.stats.registrationRequests).toBe(0)
  const row = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { clientKind: true, clientId: true } })
  expect(row).toEqual({ clientKind: 'metadata_document', clientId: documentUrl })
  expect(await getDb().oAuthClientRegistration.count({ where: { serverId } })).toBe(0)
})

// --- 5. A registration the server rejects later -------------------------------------------------

/**
 * Makes the authorization server reject the stored registration at its token endpoint, as after it
 * rotated or dropped the client. NOTE: neither peer can forget a client: the SDK peer's store has no
 * delete, and oidc-provider's memory adapter keeps one module-wide storage that outlives a restart
 * on the same ports. So the stored secret is replaced (encrypted as the app does it).
 */
async function spoilRegistration(serverId: string): Promise<string> {
  const registration = await getDb().oAuthClientRegistration.findFirstOrThrow({ where: { serverId }, select: { id: true, clientId: true } })
  await getDb().oAuthClientRegistration.update({
    where: { id: registration.id },
    data: {
      clientSecret: encryptSecret('a-secret-the-server-does-not-know', {
        table: 'OAuthClientRegistration',
        column: 'clientSecret',
        rowId: registration.id,
      }),
    },
  })
  return registration.clientId
}

test('a registration rejected at the token endpoint (invalid_client) is discarded and redone once, straight from the callback', async () => {
  const peer = await sdkPeer()
  const serverId = await addServer(peer.mcpUrl, 'Rejected registration')
  const back = await authorizeAtPeer(await expectAuthorizationRedirect(serverId))
  const firstClient = await spoilRegistration(serverId)
  expect(peer.stats.registrations).toBe(1)

  const result = await runCallback(back)

  // Discarded, registered again, and the browser goes straight back to the authorization server.
  expect(statusOf(result)).toBe(302)
  expect(headersOf(result).get('Cache-Control')).toBe('no-store')
  expect(headersOf(result).get('Referrer-Policy')).toBe('no-referrer')
  const again = new URL(headersOf(result).get('Location') ?? '')
  expect(`${again.origin}${again.pathname}`).toBe(new URL('/authorize', peer.issuer).href)
  expect(peer.stats.tokenErrors.invalid_client).toBe(1)
  expect(peer.stats.registrations).toBe(2)
  const secondClient = again.searchParams.get('client_id')
  expect(secondClient).not.toBe(firstClient)
  const registrations = await getDb().oAuthClientRegistration.findMany({ where: { serverId }, select: { clientId: true } })
  expect(registrations).toEqual([{ clientId: secondClient }])
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)

  const done = await runCallback(await authorizeAtPeer(again))
  expect(statusOf(done)).toBe(302)
  expect((await flashOf(done))?.message).toMatch(/^Connected to Rejected registration/)
  const row = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { clientId: true, clientKind: true } })
  expect(row).toEqual({ clientId: secondClient, clientKind: 'dynamic' })
  expect((await callEcho(serverId)).ok).toBe(true)
})

test('a second rejected registration soon after is discarded but not redone automatically: the page says to Connect again', async () => {
  const peer = await sdkPeer()
  const serverId = await addServer(peer.mcpUrl, 'Rejected twice')
  const first = await authorizeAtPeer(await expectAuthorizationRedirect(serverId))
  await spoilRegistration(serverId)
  const redone = await runCallback(first)
  expect(statusOf(redone)).toBe(302)
  expect(peer.stats.registrations).toBe(2)

  // The new registration is rejected too before the person gets back.
  const second = await authorizeAtPeer(new URL(headersOf(redone).get('Location') ?? ''))
  await spoilRegistration(serverId)
  const result = await runCallback(second)

  expect(statusOf(result)).toBe(502)
  const page = CallbackPageSchema.parse(dataOf(result))
  expect(page.message).toContain('no longer accepts Switchboard’s registration')
  expect(page.message).toContain('will register again')
  expect(page.message).not.toContain('a-secret-the-server-does-not-know')
  expect(page.serverPath).toBe(serverPath(serverId))
  expect(peer.stats.tokenErrors.invalid_client).toBe(2)
  expect(peer.stats.registrations).toBe(2)
  expect(await getDb().oAuthClientRegistration.count({ where: { serverId } })).toBe(0)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)

  // Pressing Connect again registers a third client and works.
  await connectAndFinish(serverId)
  expect(peer.stats.registrations).toBe(3)
})
