// A refused Dynamic Client Registration (RFC 7591 §3.2.2) keeps the authorization server's reason:
// the person reads its `error` and `error_description` (shortened, plain text), not "(HTTP 400)".
// Against npm oidc-provider, which refuses client metadata asking for a scope it does not offer,
// and a tiny registration endpoint of this file's own for hostile wording.
import http from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { readFlash } from '#app/utils/flash.server.ts'
import { type OidcMcpServer, startOidcMcpServer } from '#tests/servers/oidc-provider-server.ts'
import { BASE_URL, createTestUser, formRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

let oidc: OidcMcpServer
let owner: { id: string; workspaceId: string; cookie: string }

beforeAll(async () => {
  const [peer, user] = await Promise.all([startOidcMcpServer(), createTestUser('Owner')])
  oidc = peer
  owner = { id: user.id, workspaceId: user.workspaceId, cookie: await sessionCookieFor(user.id) }
})
afterAll(async () => {
  await oidc?.close()
})

async function addServer(url: string, oauthScopes: string | null): Promise<string> {
  const server = await getDb().mcpServer.create({
    data: { workspaceId: owner.workspaceId, name: `Refusing ${Math.random()}`, url, authType: 'oauth', oauthClient: { create: { scopes: oauthScopes } }, timeoutMs: 10_000 },
    select: { id: true },
  })
  return server.id
}

function portOf(server: http.Server): number {
  const address = server.address()
  return typeof address === 'object' && address ? address.port : 0
}

/** Presses Connect, expects to land back on the server page; returns the error flash. */
async function refusedConnect(serverId: string): Promise<string> {
  const result = await settle(() =>
    connectAction({
      request: formRequest(`/w/${owner.workspaceId}/servers/${serverId}/connect`, { intent: 'connect' }, owner.cookie),
      params: { workspaceId: owner.workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
  expect(headersOf(result).get('Location')).toBe(`/w/${owner.workspaceId}/servers/${serverId}`)
  const cookie = headersOf(result)
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ')
  const { flash } = await readFlash(new Request(BASE_URL, { headers: { Cookie: cookie } }))
  expect(flash?.kind).toBe('error')
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(0)
  expect(await getDb().oAuthClientRegistration.count({ where: { serverId } })).toBe(0)
  return flash?.message ?? ''
}

test('a registration oidc-provider refuses shows its error and description instead of an HTTP status', async () => {
  const serverId = await addServer(oidc.mcpUrl, 'mcp:tools not:offered')
  const registrations = oidc.stats.registrations

  const message = await refusedConnect(serverId)

  expect(message).toContain('refused to register Switchboard')
  expect(message).toContain('invalid_client_metadata')
  expect(message).toContain('scope must only contain Authorization Server supported scope values')
  expect(message).not.toContain('HTTP 400')
  expect(message).toContain('An admin can register a client there')
  expect(oidc.stats.registrations).toBe(registrations)
})

test('a refusal with a long description full of control characters and markup is shortened to plain text', async () => {
  const description = `<b>no</b>\u0000\u001b[31m${'x'.repeat(500)}`
  const peer = http.createServer((request, response) => {
    const origin = `http://127.0.0.1:${portOf(peer)}`
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers })
      response.end(JSON.stringify(body))
    }
    if (request.url === '/.well-known/oauth-protected-resource/mcp' || request.url === '/.well-known/oauth-protected-resource') {
      return send(200, { resource: `${origin}/mcp`, authorization_servers: [origin] })
    }
    if (request.url === '/.well-known/oauth-authorization-server') {
      return send(200, {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      })
    }
    if (request.url === '/register') return send(400, { error: 'invalid_redirect_uri\u0007', error_description: description })
    if (request.url === '/mcp') return send(401, {}, { 'WWW-Authenticate': 'Bearer' })
    send(404, {})
  })
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve))
  try {
    const serverId = await addServer(`http://127.0.0.1:${portOf(peer)}/mcp`, null)

    const message = await refusedConnect(serverId)

    expect(message).toContain('refused to register Switchboard: “invalid_redirect_uri: <b>no</b>')
    // eslint-disable-next-line no-control-regex
    expect(message).not.toMatch(/[\u0000-\u001f\u007f]/)
    expect(message).not.toContain('x'.repeat(201))
    expect(message).toContain('…')
    expect(message).not.toContain('HTTP 400')
  } finally {
    await new Promise((resolve) => peer.close(resolve))
  }
})
