// SSRF on every outbound step, through the real routes: the MCP server URL (and redirects from
// it), a 401 challenge's resource_metadata, the protected-resource metadata's
// authorization_servers, every endpoint of the authorization-server metadata (authorization,
// registration, token, revocation; token again for refresh) and 3xx answers from each of them.
// Targets are loopback, link-local, private and unspecified addresses, written plainly and in
// the numeric forms URL parsers accept (2130706434, 0x7f000002, 127.2, 0177.0.0.2, IPv4-mapped).
//
// The test environment allows 127.0.0.1/32 only (tests/setup), where the peers listen. Traps
// listen on 127.0.0.2 and [::1], which are loopback but not allowed: a trap that records a
// request proves that Switchboard reached a place it must not. Addresses nobody can listen on
// here (169.254.169.254, 10.0.0.1, ...) are checked by the refusal the person sees. The last
// test runs with an empty allowlist (production's default), with a trap on 127.0.0.1 itself.
import http from 'node:http'
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest'
import { requireServer } from '#app/models/server.server.ts'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { action as newServerAction } from '#app/routes/w.$workspaceId.servers.new.tsx'
import { loader as toolsLoader } from '#app/routes/w.$workspaceId.tools.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { readFlash } from '#app/utils/flash.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { discoverOAuth } from '#app/oauth/discovery.server.ts'
import { closeServer } from '#tests/servers/peer-http.ts'
import { BASE_URL, cookieHeaderFrom, createTestUser, formRequest, getRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

// --- Traps: listeners on addresses Switchboard must never reach -------------------------------

type Trap = { origin: string; port: number; hits: string[]; close: () => Promise<void> }

async function startTrap(host: string): Promise<Trap> {
  const hits: string[] = []
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end('{}')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('trap: no TCP address')
  const shown = host.includes(':') ? `[${host}]` : host
  return { origin: `http://${shown}:${address.port}`, port: address.port, hits, close: () => closeServer(server) }
}

let trapV4: Trap
let trapV6: Trap
let trapHome: Trap

/**
 * Loopback addresses that are not allowed here, each written several ways; all reach a trap when
 * fetched without the rules (checked by hand: Node's fetch connects to every one of them).
 */
function loopbackTargets(): string[] {
  const port = trapV4.port
  return [
    `http://127.0.0.2:${port}`,
    `http://2130706434:${port}`,
    `http://0x7f000002:${port}`,
    `http://127.2:${port}`,
    `http://0177.0.0.2:${port}`,
    `http://[::ffff:127.0.0.2]:${port}`,
    `http://[::1]:${trapV6.port}`,
    // 0.0.0.0 connects to this machine: the trap on 127.0.0.1 would answer.
    `http://0.0.0.0:${trapHome.port}`,
  ]
}

/**
 * The loopback targets that pass the OAuth endpoint rule (https, or http on a loopback name), so
 * that only the guarded fetch stands between Switchboard and the trap.
 */
function loopbackEndpointTargets(): string[] {
  return loopbackTargets().filter((origin) => !origin.includes('::ffff') && !origin.includes('0.0.0.0'))
}

/** Addresses nobody listens on here: the cloud metadata service, private and special networks. */
const UNREACHABLE_TARGETS = [
  'https://169.254.169.254',
  'http://169.254.169.254',
  'https://10.0.0.1',
  'https://192.168.1.1',
  'https://100.64.0.1',
  'https://[fd00::1]',
  'https://[fe80::1]',
  'https://[::ffff:169.254.169.254]',
  'https://0x0a000001',
]

function trapHits(): string[] {
  return [...trapV4.hits, ...trapV6.hits, ...trapHome.hits]
}

// --- A hostile MCP server that is its own (configurable) authorization server -------------------

type HostileConfig = {
  /** `resource_metadata` in the 401 challenge of /mcp (default: its own well-known URL). */
  challengeResourceMetadata: string | null
  /** The protected-resource metadata's authorization_servers (default: its own origin). */
  authorizationServers: string[] | null
  /** Overrides for the authorization-server metadata (endpoints). */
  metadata: Record<string, string>
  /** Path → [status, Location]: the peer answers that path with a redirect. */
  redirects: Record<string, [number, string]>
}

type HostilePeer = { origin: string; mcpUrl: string; config: HostileConfig; hits: string[]; close: () => Promise<void> }

function freshConfig(): HostileConfig {
  return { challengeResourceMetadata: null, authorizationServers: null, metadata: {}, redirects: {} }
}

async function startHostilePeer(): Promise<HostilePeer> {
  const hits: string[] = []
  const peer: HostilePeer = { origin: '', mcpUrl: '', config: freshConfig(), hits, close: async () => {} }
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    res.end(JSON.stringify(body))
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', peer.origin).pathname
      hits.push(`${req.method} ${path}`)
      const { config, origin } = peer
      const redirect = config.redirects[path]
      if (redirect) {
        res.writeHead(redirect[0], { Location: redirect[1], 'Cache-Control': 'no-store' })
        res.end()
        return
      }
      if (path === '/mcp') {
        const metadataUrl = config.challengeResourceMetadata ?? `${origin}/.well-known/oauth-protected-resource/mcp`
        res.writeHead(401, { 'WWW-Authenticate': `Bearer resource_metadata="${metadataUrl}"`, 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ error: 'invalid_token' }))
        return
      }
      if (path.startsWith('/.well-known/oauth-protected-resource')) {
        return json(res, 200, { resource: peer.mcpUrl, authorization_servers: config.authorizationServers ?? [origin], scopes_supported: ['mcp:tools'] })
      }
      if (path === '/.well-known/oauth-authorization-server') {
        return json(res, 200, {
          issuer: origin,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: `${origin}/token`,
          registration_endpoint: `${origin}/register`,
          revocation_endpoint: `${origin}/revoke`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['none'],
          ...config.metadata,
        })
      }
      if (path === '/register' && req.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>
        return json(res, 201, { ...body, client_id: 'hostile-client', token_endpoint_auth_method: 'none', client_id_issued_at: Math.floor(Date.now() / 1000) })
      }
      if (path === '/token' && req.method === 'POST') {
        return json(res, 200, { access_token: `at-${hits.length}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${hits.length}`, scope: 'mcp:tools' })
      }
      if (path === '/revoke' && req.method === 'POST') return json(res, 200, {})
      json(res, 404, { error: 'not_found' })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('hostile peer: no TCP address')
  peer.origin = `http://127.0.0.1:${address.port}`
  peer.mcpUrl = `${peer.origin}/mcp`
  peer.close = () => closeServer(server)
  return peer
}

/**
 * A server on the allowed address that answers with a redirect to `target`: every request, or
 * (`wellKnownOnly`) only the metadata look-ups the probe makes after a bare Bearer 401 on /mcp.
 */
async function startBouncer() {
  const bouncer = { url: '', status: 307, target: '', wellKnownOnly: false, close: async () => {} }
  const server = http.createServer((req, res) => {
    req.resume()
    if (bouncer.wellKnownOnly && !req.url?.startsWith('/.well-known/')) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="bouncer"' })
      res.end()
      return
    }
    res.writeHead(bouncer.status, { Location: bouncer.target })
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('bouncer: no TCP address')
  bouncer.url = `http://127.0.0.1:${address.port}/mcp`
  bouncer.close = () => closeServer(server)
  return bouncer
}

let peer: HostilePeer

beforeAll(async () => {
  ;[trapV4, trapV6, trapHome, peer] = await Promise.all([startTrap('127.0.0.2'), startTrap('::1'), startTrap('127.0.0.1'), startHostilePeer()])
})
afterEach(() => {
  peer.config = freshConfig()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([trapV4?.close(), trapV6?.close(), trapHome?.close(), peer?.close()])
})

// --- Route helpers ----------------------------------------------------------------------------

// One account for the file (password hashing is slow on purpose); each test gets its own workspace.
let account: { id: string; cookie: string }

beforeAll(async () => {
  const user = await createTestUser('SSRF owner')
  account = { id: user.id, cookie: await sessionCookieFor(user.id) }
})

async function owner(label: string) {
  const workspace = await getDb().workspace.create({
    data: { name: label, memberships: { create: { userId: account.id, role: 'owner' } } },
    select: { id: true },
  })
  return { userId: account.id, workspaceId: workspace.id, cookie: account.cookie }
}

type Owner = Awaited<ReturnType<typeof owner>>

function addServer(who: Owner, url: string, fields: Record<string, string> = {}) {
  return settle(() =>
    newServerAction({
      request: formRequest(`/w/${who.workspaceId}/servers/new`, { name: `S ${Math.random().toString(36).slice(2, 8)}`, url, transport: 'auto', authType: 'detect', timeoutSeconds: '5', ...fields }, who.cookie),
      params: { workspaceId: who.workspaceId },
      context: loadContext(),
    }),
  )
}

async function oauthServer(who: Owner, url = peer.mcpUrl): Promise<string> {
  const server = await getDb().mcpServer.create({
    data: { workspaceId: who.workspaceId, name: `OAuth ${Math.random().toString(36).slice(2, 8)}`, url, authType: 'oauth', timeoutMs: 5000 },
    select: { id: true },
  })
  return server.id
}

/** Presses Connect: the 302 Location and the flash message (when the app sent the person back). */
async function pressConnect(who: Owner, serverId: string) {
  const result = await settle(() =>
    connectAction({
      request: formRequest(`/w/${who.workspaceId}/servers/${serverId}/connect`, { intent: 'connect' }, who.cookie),
      params: { workspaceId: who.workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
  const setCookies = headersOf(result).getSetCookie()
  const { flash } = await readFlash(new Request(BASE_URL, { headers: { Cookie: cookieHeaderFrom(...setCookies) } }))
  return { location: headersOf(result).get('Location') ?? '', flash: flash?.message ?? '' }
}

/** Connect that must be refused: back on the server page with a message, and no sign-in pending. */
async function expectConnectRefused(who: Owner, serverId: string, label: string): Promise<string> {
  const { location, flash } = await pressConnect(who, serverId)
  expect(location, label).toBe(`/w/${who.workspaceId}/servers/${serverId}`)
  expect(flash, label).not.toBe('')
  expect(await getDb().oAuthFlow.count({ where: { serverId } }), label).toBe(0)
  return flash
}

/** Connect → (the browser at the authorization server) → callback with a code the peer would accept. */
async function connectFully(who: Owner, serverId: string) {
  const { location } = await pressConnect(who, serverId)
  const authorizationUrl = new URL(location)
  expect(authorizationUrl.origin).toBe(peer.origin)
  const state = authorizationUrl.searchParams.get('state') ?? ''
  return settle(() =>
    callbackLoader({ request: getRequest(`/oauth/callback?code=hostile-code&state=${encodeURIComponent(state)}`, who.cookie), params: {}, context: loadContext() }),
  )
}

// --- The MCP server URL -------------------------------------------------------------------------

test('adding a server whose URL is a loopback, link-local, private or unspecified address is refused and never connects', async () => {
  const who = await owner('SSRF add')
  const accepted: string[] = []
  for (const origin of [...loopbackTargets(), ...UNREACHABLE_TARGETS]) {
    const result = await addServer(who, `${origin}/mcp`, { saveUnreachable: 'on' })
    if (statusOf(result) !== 400) accepted.push(`${origin} → ${statusOf(result)}`)
    else expect(JSON.stringify(result), origin).toMatch(/private networks unless an administrator allows it/)
  }
  expect(accepted).toEqual([])
  expect(await getDb().mcpServer.count({ where: { workspaceId: who.workspaceId } })).toBe(0)
  expect(trapHits()).toEqual([])
})

test('a server that redirects (301, 302, 303, 307, 308) to a forbidden address is refused when added and on the Tools page, and the target is never reached', async () => {
  const who = await owner('SSRF redirect')
  const bouncer = await startBouncer()
  try {
    // A row saved earlier (when the server still behaved), for the Tools page.
    const server = await getDb().mcpServer.create({
      data: { workspaceId: who.workspaceId, name: 'Bouncer', url: bouncer.url, authType: 'none', timeoutMs: 5000 },
      select: { id: true },
    })
    const accepted: string[] = []
    for (const status of [301, 302, 303, 307, 308]) {
      for (const origin of [...loopbackTargets(), 'http://169.254.169.254', 'http://10.0.0.1']) {
        bouncer.status = status
        bouncer.target = `${origin}/latest/meta-data`
        const added = await addServer(who, bouncer.url)
        if (statusOf(added) !== 400) accepted.push(`add ${status} → ${origin}: ${statusOf(added)}`)
        const page = await toolsLoader({ request: getRequest(`/w/${who.workspaceId}/tools`, who.cookie), params: { workspaceId: who.workspaceId }, context: loadContext() })
        const section = page.sections.find((entry) => entry.server.id === server.id)
        if (!section?.failure) accepted.push(`tools ${status} → ${origin}: no failure`)
        await getSessionPool().closeAll()
      }
    }
    expect(accepted).toEqual([])
    expect(await getDb().mcpServer.count({ where: { workspaceId: who.workspaceId } })).toBe(1)
    expect(trapHits()).toEqual([])
  } finally {
    await bouncer.close()
  }
})

test('the probe’s metadata look-ups after a Bearer 401 do not follow redirects to a forbidden address', async () => {
  const who = await owner('SSRF probe metadata')
  const bouncer = await startBouncer()
  bouncer.wellKnownOnly = true
  try {
    for (const status of [302, 307]) {
      for (const origin of [...loopbackTargets(), 'http://169.254.169.254']) {
        bouncer.status = status
        bouncer.target = `${origin}/.well-known/oauth-protected-resource`
        await addServer(who, bouncer.url, { saveUnreachable: 'on' })
      }
    }
    expect(trapHits()).toEqual([])
  } finally {
    await bouncer.close()
  }
})

// --- OAuth discovery ----------------------------------------------------------------------------

test('a 401 challenge whose resource_metadata points at a forbidden address is never fetched, by the probe, Connect or discovery', async () => {
  const who = await owner('SSRF challenge')
  for (const origin of [...loopbackTargets(), 'https://169.254.169.254']) {
    peer.config.challengeResourceMetadata = `${origin}/.well-known/oauth-protected-resource`
    // Adding the server probes it (401 → OAuth) and goes straight into Connect.
    const added = await addServer(who, peer.mcpUrl)
    expect(statusOf(added), origin).toBe(302)
    // Discovery given that challenge URL skips it without a connection and falls back to the
    // server's well-known URLs (MCP 2025-11-25: a challenge URL that fails is not the end).
    const serverId = (await getDb().mcpServer.findFirstOrThrow({ where: { workspaceId: who.workspaceId }, orderBy: { createdAt: 'desc' }, select: { id: true } })).id
    const discovery = await discoverOAuth({ id: serverId, url: peer.mcpUrl, exceptions: [] }, { resourceMetadataUrl: peer.config.challengeResourceMetadata, force: true })
    expect(discovery.resourceMetadataUrl, origin).toBeNull()
  }
  expect(trapHits()).toEqual([])
})

test('protected-resource metadata naming a forbidden authorization server is refused at Connect without contacting it', async () => {
  const who = await owner('SSRF issuer')
  const serverId = await oauthServer(who)
  for (const origin of [...loopbackTargets(), ...UNREACHABLE_TARGETS]) {
    peer.config.authorizationServers = [origin]
    await expectConnectRefused(who, serverId, origin)
  }
  expect(trapHits()).toEqual([])
})

test.each(['registration_endpoint', 'token_endpoint', 'revocation_endpoint', 'authorization_endpoint'])(
  'authorization-server metadata with a forbidden %s is refused at Connect, or never contacted by the app',
  async (endpoint) => {
    const who = await owner(`SSRF ${endpoint}`)
    const serverId = await oauthServer(who)
    for (const origin of [...loopbackTargets(), ...UNREACHABLE_TARGETS]) {
      peer.config.metadata = { [endpoint]: `${origin}/${endpoint}` }
      const { location } = await pressConnect(who, serverId)
      if (location.startsWith('http')) {
        // Connect may go on only where the app itself sends nothing there: the authorization
        // endpoint is the browser's destination (over http only on loopback), and the token and
        // revocation endpoints are used later (the next tests).
        expect(['authorization_endpoint', 'token_endpoint', 'revocation_endpoint'], `${endpoint} ${origin}`).toContain(endpoint)
        if (endpoint === 'authorization_endpoint') expect(location.startsWith(`${origin}/`) || new URL(location).origin === new URL(origin).origin, origin).toBe(true)
        await getDb().oAuthFlow.deleteMany({ where: { serverId } })
      } else {
        expect(location, `${endpoint} ${origin}`).toBe(`/w/${who.workspaceId}/servers/${serverId}`)
      }
    }
    expect(trapHits()).toEqual([])
  },
)

test('a forbidden authorization endpoint over plain http is refused unless it is a loopback address', async () => {
  const who = await owner('SSRF authorize http')
  const serverId = await oauthServer(who)
  for (const origin of ['http://169.254.169.254', 'http://10.0.0.1', 'http://evil.example']) {
    peer.config.metadata = { authorization_endpoint: `${origin}/authorize` }
    const flash = await expectConnectRefused(who, serverId, origin)
    expect(flash).toMatch(/https/)
  }
})

test('a forbidden token endpoint is never contacted for the code exchange, and nothing is stored', async () => {
  const who = await owner('SSRF token')
  const serverId = await oauthServer(who)
  for (const origin of loopbackEndpointTargets()) {
    peer.config.metadata = { token_endpoint: `${origin}/token` }
    const result = await connectFully(who, serverId)
    expect(statusOf(result), origin).toBeGreaterThanOrEqual(400)
    expect(JSON.stringify(result), origin).toMatch(/refused to contact/)
  }
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
  expect(trapHits()).toEqual([])
})

test('a forbidden token endpoint is never contacted for a refresh, nor a forbidden revocation endpoint on Disconnect', async () => {
  const who = await owner('SSRF refresh')
  const serverId = await oauthServer(who)
  const connected = await connectFully(who, serverId)
  expect(statusOf(connected)).toBe(302)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(1)
  const tokenRequestsBefore = peer.hits.filter((hit) => hit === 'POST /token').length

  // The access token has expired, and the metadata now sends the refresh elsewhere.
  const targets = loopbackEndpointTargets()
  for (const origin of targets) {
    peer.config.metadata = { token_endpoint: `${origin}/token` }
    await getDb().oAuthConnection.updateMany({
      where: { serverId },
      data: { expiresAt: new Date(Date.now() - 60_000), status: 'connected', lastError: null, refreshLeaseUntil: null },
    })
    const page = await toolsLoader({ request: getRequest(`/w/${who.workspaceId}/tools`, who.cookie), params: { workspaceId: who.workspaceId }, context: loadContext() })
    expect(page.sections.find((entry) => entry.server.id === serverId)?.failure, origin).toBeTruthy()
  }
  expect(peer.hits.filter((hit) => hit === 'POST /token').length).toBe(tokenRequestsBefore)

  peer.config.metadata = { revocation_endpoint: `${targets[1]}/revoke` }
  const server = await requireServer(who.workspaceId, serverId)
  const disconnected = await settle(() =>
    disconnectAction({
      request: formRequest(`/w/${who.workspaceId}/servers/${server.id}/disconnect`, { intent: 'disconnect' }, who.cookie),
      params: { workspaceId: who.workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(disconnected)).toBe(302)
  // Deleted here even though revocation was refused.
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
  expect(peer.hits).not.toContain('POST /revoke')
  expect(trapHits()).toEqual([])
})

test.each([
  ['/.well-known/oauth-protected-resource/mcp', 302],
  ['/.well-known/oauth-authorization-server', 302],
  ['/register', 307],
])('a redirect from %s to a forbidden address is not followed', async (path, status) => {
  const who = await owner('SSRF 3xx')
  const serverId = await oauthServer(who)
  for (const origin of loopbackTargets()) {
    peer.config.redirects = { [path]: [status, `${origin}${path}`] }
    // Where the path-specific document fails, a client may try the origin's: that one redirects too.
    if (path.startsWith('/.well-known/oauth-protected-resource')) peer.config.redirects['/.well-known/oauth-protected-resource'] = [status, `${origin}/prm`]
    await expectConnectRefused(who, serverId, `${path} → ${origin}`)
  }
  expect(trapHits()).toEqual([])
})

test('a redirect from the token or revocation endpoint to a forbidden address is not followed', async () => {
  const who = await owner('SSRF token 3xx')
  const serverId = await oauthServer(who)
  const [first] = loopbackEndpointTargets()
  peer.config.redirects = { '/token': [307, `${first}/token`] }
  const refused = await connectFully(who, serverId)
  expect(statusOf(refused)).toBeGreaterThanOrEqual(400)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)

  peer.config.redirects = {}
  expect(statusOf(await connectFully(who, serverId))).toBe(302)
  peer.config.redirects = { '/revoke': [307, `${first}/revoke`], '/token': [302, `${first}/token`] }
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 60_000) } })
  await toolsLoader({ request: getRequest(`/w/${who.workspaceId}/tools`, who.cookie), params: { workspaceId: who.workspaceId }, context: loadContext() })
  const disconnected = await settle(() =>
    disconnectAction({
      request: formRequest(`/w/${who.workspaceId}/servers/${serverId}/disconnect`, { intent: 'disconnect' }, who.cookie),
      params: { workspaceId: who.workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(disconnected)).toBe(302)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
  expect(trapHits()).toEqual([])
})

// --- Production's default: nothing private allowed ---------------------------------------------

test('with an empty allowlist, every spelling of 127.0.0.1 and localhost is refused and the listener there is never reached', async () => {
  const who = await owner('SSRF empty allowlist')
  const port = trapHome.port
  const spellings = [
    `http://127.0.0.1:${port}`,
    `http://localhost:${port}`,
    `http://LOCALHOST.:${port}`,
    `http://2130706433:${port}`,
    `http://0x7f000001:${port}`,
    `http://0x7f.1:${port}`,
    `http://127.1:${port}`,
    `http://0177.0.0.1:${port}`,
    `http://127.000.000.001:${port}`,
    `http://127.0.0.1.:${port}`,
    `http://[::ffff:127.0.0.1]:${port}`,
    `http://[::ffff:7f00:1]:${port}`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${port}`,
    `http://0.0.0.0:${port}`,
    `http://0:${port}`,
  ]
  const saved = process.env.OUTBOUND_ALLOWED_NETWORKS
  process.env.OUTBOUND_ALLOWED_NETWORKS = ''
  vi.resetModules()
  try {
    // A fresh module graph reads the environment again (the allowlist is parsed once per process).
    const route = await import('#app/routes/w.$workspaceId.servers.new.tsx')
    const accepted: string[] = []
    for (const origin of spellings) {
      const result = await settle(() =>
        route.action({
          request: formRequest(`/w/${who.workspaceId}/servers/new`, { name: `Home ${accepted.length}`, url: `${origin}/mcp`, transport: 'auto', authType: 'detect', timeoutSeconds: '5' }, who.cookie),
          params: { workspaceId: who.workspaceId },
          context: loadContext(),
        }),
      )
      if (statusOf(result) !== 400) accepted.push(`${origin} → ${statusOf(result)}`)
    }
    expect(accepted).toEqual([])
  } finally {
    process.env.OUTBOUND_ALLOWED_NETWORKS = saved
    vi.resetModules()
  }
  expect(trapHome.hits).toEqual([])
  expect(await getDb().mcpServer.count({ where: { workspaceId: who.workspaceId } })).toBe(0)
})
