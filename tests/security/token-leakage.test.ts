// Credentials go only where they belong: an OAuth access token and a server's static headers are
// sent to the MCP server's own origin and nowhere else, not when the MCP server redirects to
// another origin, not when a legacy SSE server names a message endpoint on another origin, and
// never to the authorization server (which sits on its own origin here and gets only what the
// OAuth exchanges need). Every listener records the headers it received.
import http from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { requireServer } from '#app/models/server.server.ts'
import { setServerHeader } from '#app/models/server-headers.server.ts'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { loader as toolsLoader } from '#app/routes/w.$workspaceId.tools.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { closeServer } from '#tests/servers/peer-http.ts'
import { createTestUser, formRequest, getRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

const ACCESS_TOKEN = 'at-leak-check-5d1f8e2a9c'
const REFRESH_TOKEN = 'rt-leak-check-77b3c0e4f1'
const STATIC_SECRET = 'static-leak-check-3e9a41'

type Seen = { method: string; path: string; headers: string }
type Listener = { origin: string; seen: Seen[]; close: () => Promise<void> }

/** A listener on 127.0.0.1 that records every request's method, path and headers. */
async function listen(handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string, origin: string) => void): Promise<Listener> {
  const listener: Listener = { origin: '', seen: [], close: async () => {} }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      listener.seen.push({ method: req.method ?? '', path: req.url ?? '', headers: JSON.stringify(req.headers) })
      handle(req, res, Buffer.concat(chunks).toString('utf8'), listener.origin)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('listener: no TCP address')
  listener.origin = `http://127.0.0.1:${address.port}`
  listener.close = () => closeServer(server)
  return listener
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
  res.end(JSON.stringify(body))
}

/** Where a server that is not trusted tries to send Switchboard's requests. */
let elsewhere: Listener
/** The authorization server, on its own origin. */
let authorizationServer: Listener
/** The MCP server: challenges without a token, and with one points somewhere else (mode). */
let mcp: Listener
let mode: 'redirect' | 'sse-endpoint' = 'redirect'

beforeAll(async () => {
  elsewhere = await listen((_req, res) => json(res, 200, {}))
  authorizationServer = await listen((req, res, body, origin) => {
    const path = new URL(req.url ?? '/', origin).pathname
    if (path === '/.well-known/oauth-authorization-server') {
      return json(res, 200, {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`,
        revocation_endpoint: `${origin}/revoke`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
      })
    }
    if (path === '/register') return json(res, 201, { ...(JSON.parse(body || '{}') as object), client_id: 'leak-client', token_endpoint_auth_method: 'none' })
    if (path === '/token') return json(res, 200, { access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600, refresh_token: REFRESH_TOKEN, scope: 'mcp:tools' })
    if (path === '/revoke') return json(res, 200, {})
    json(res, 404, { error: 'not_found' })
  })
  mcp = await listen((req, res, _body, origin) => {
    const path = new URL(req.url ?? '/', origin).pathname
    if (path.startsWith('/.well-known/oauth-protected-resource')) {
      return json(res, 200, { resource: `${origin}/mcp`, authorization_servers: [authorizationServer.origin], scopes_supported: ['mcp:tools'] })
    }
    if (req.headers.authorization !== `Bearer ${ACCESS_TOKEN}`) {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"` })
      res.end()
      return
    }
    if (mode === 'redirect') {
      // Same path and query elsewhere: a client that follows would resend the token there.
      res.writeHead(307, { Location: `${elsewhere.origin}${req.url ?? '/'}` })
      res.end()
      return
    }
    // Legacy HTTP+SSE: the endpoint event names where to POST the messages.
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
    res.write(`event: endpoint\ndata: ${elsewhere.origin}/messages?sessionId=leak\n\n`)
    setTimeout(() => res.end(), 200)
  })
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([elsewhere?.close(), authorizationServer?.close(), mcp?.close()])
})

// One account for the file (password hashing is slow on purpose); every server gets its own name.
let account: { workspaceId: string; cookie: string }
let servers = 0

beforeAll(async () => {
  const user = await createTestUser('Leak owner')
  account = { workspaceId: user.workspaceId, cookie: await sessionCookieFor(user.id) }
})

async function connectedServer(transport: 'streamable_http' | 'sse') {
  const { cookie, workspaceId } = account
  servers += 1
  const created = await getDb().mcpServer.create({
    data: { workspaceId, name: `Leak ${servers}`, url: `${mcp.origin}/mcp`, transport, authType: 'oauth', timeoutMs: 3000 },
    select: { id: true },
  })
  const serverId = created.id
  await setServerHeader(await requireServer(workspaceId, serverId), 'X-Api-Key', STATIC_SECRET)
  const started = await settle(() =>
    connectAction({ request: formRequest(`/w/${workspaceId}/servers/${serverId}/connect`, { intent: 'connect' }, cookie), params: { workspaceId, serverId }, context: loadContext() }),
  )
  const authorizationUrl = new URL(headersOf(started).get('Location') ?? '')
  expect(authorizationUrl.origin).toBe(authorizationServer.origin)
  const state = authorizationUrl.searchParams.get('state') ?? ''
  const finished = await settle(() =>
    callbackLoader({ request: getRequest(`/oauth/callback?code=leak-code&state=${encodeURIComponent(state)}`, cookie), params: {}, context: loadContext() }),
  )
  expect(statusOf(finished)).toBe(302)
  return { cookie, workspaceId, serverId }
}

function sawSecret(seen: Seen[], secret: string): Seen[] {
  return seen.filter((entry) => entry.headers.includes(secret) || entry.path.includes(secret))
}

test('a redirect from the MCP server to another origin does not take the access token or the static headers along', async () => {
  mode = 'redirect'
  const { cookie, workspaceId, serverId } = await connectedServer('streamable_http')
  const page = await toolsLoader({ request: getRequest(`/w/${workspaceId}/tools`, cookie), params: { workspaceId }, context: loadContext() })
  expect(page.sections.find((section) => section.server.id === serverId)?.failure).toBeTruthy()
  // The token and the header did reach the MCP server itself (so this test can see a leak)...
  expect(sawSecret(mcp.seen, ACCESS_TOKEN).length).toBeGreaterThan(0)
  expect(sawSecret(mcp.seen, STATIC_SECRET).length).toBeGreaterThan(0)
  // ...and nowhere else.
  expect(elsewhere.seen).toEqual([])
  expect(sawSecret(authorizationServer.seen, ACCESS_TOKEN)).toEqual([])
  expect(sawSecret(authorizationServer.seen, STATIC_SECRET)).toEqual([])
})

test('a legacy SSE server naming a message endpoint on another origin gets no request sent there', async () => {
  mode = 'sse-endpoint'
  const { cookie, workspaceId, serverId } = await connectedServer('sse')
  const page = await toolsLoader({ request: getRequest(`/w/${workspaceId}/tools`, cookie), params: { workspaceId }, context: loadContext() })
  expect(page.sections.find((section) => section.server.id === serverId)?.failure).toBeTruthy()
  expect(sawSecret(mcp.seen, ACCESS_TOKEN).length).toBeGreaterThan(0)
  expect(elsewhere.seen).toEqual([])
})

test('the authorization server never receives the static headers or the access token as a credential, also on refresh and Disconnect', async () => {
  mode = 'redirect'
  const { cookie, workspaceId, serverId } = await connectedServer('streamable_http')
  // An expired access token: the next use refreshes at the token endpoint.
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 60_000) } })
  await toolsLoader({ request: getRequest(`/w/${workspaceId}/tools`, cookie), params: { workspaceId }, context: loadContext() })
  const disconnected = await settle(() =>
    disconnectAction({ request: formRequest(`/w/${workspaceId}/servers/${serverId}/disconnect`, { intent: 'disconnect' }, cookie), params: { workspaceId, serverId }, context: loadContext() }),
  )
  expect(statusOf(disconnected)).toBe(302)
  const paths = authorizationServer.seen.map((entry) => `${entry.method} ${new URL(entry.path, authorizationServer.origin).pathname}`)
  expect(paths).toEqual(expect.arrayContaining(['POST /token', 'POST /revoke']))
  expect(paths.filter((path) => path === 'POST /token').length).toBeGreaterThanOrEqual(2)
  expect(sawSecret(authorizationServer.seen, STATIC_SECRET)).toEqual([])
  expect(authorizationServer.seen.filter((entry) => /"authorization":"Bearer/i.test(entry.headers))).toEqual([])
  expect(elsewhere.seen).toEqual([])
})
