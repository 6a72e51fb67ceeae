import { afterAll, beforeAll, expect, test } from 'vitest'
import { AGENT_REGISTRATIONS_PER_ADDRESS, registrationThrottleKey } from '#app/gateway/as/provider.server.ts'
import { agentRateLimitKey, agentRequestRule } from '#app/gateway/rate-limit.server.ts'
import { action as logoutAction } from '#app/routes/logout.ts'
import { loader as workspaceLoader } from '#app/routes/w.$workspaceId._index/route.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { AGENT_REDIRECT_URL, CookieJar, consentAsBrowser, followToApp, loadConsentPage, openAuthorization, postConsent } from '#tests/support/agent-oauth.ts'
import {
  type RegisteredAgent,
  type TokenSet,
  authorizationUrl,
  createPkce,
  exchangeCode,
  mcpInitialize,
  refreshTokens,
  registerAgent,
  revokeToken,
} from '#tests/support/agent-pkce.ts'
import { type GatewayServer, startGatewayServer } from '#tests/support/gateway-server.ts'
import { type TestAccount, createTestAccount, formRequest, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'
import { captureLogs } from '#tests/support/logs.ts'

// The authorization server and the bearer check of the MCP endpoints refuse what they must: replayed codes, PKCE and
// redirect mismatches, open redirects, private client-id URLs, tokens at the wrong endpoint, cookies instead of
// tokens, revoked or reused refresh tokens, removed members, foreign origins, runaway agents; and no secret is logged.

let gateway: GatewayServer
let owner: TestAccount
let other: TestAccount
let serverId: string

beforeAll(async () => {
  gateway = await startGatewayServer()
  owner = await createTestAccount('Gateway Owner')
  other = await createTestAccount('Other Owner')
  const server = await getDb().mcpServer.create({
    data: { workspaceId: owner.user.workspaceId, name: 'Docs', url: 'http://127.0.0.1:9/mcp' },
    select: { id: true },
  })
  serverId = server.id
})
afterAll(async () => {
  await gateway?.close()
})

function endpointOf(workspaceId: string, server?: string): string {
  return `${gateway.publicOrigin}/mcp/${workspaceId}${server ? `/${server}` : ''}`
}

type Authorized = { agent: RegisteredAgent; tokens: TokenSet; code: string; verifier: string }

/** A hand-made agent registered, allowed by `account` at `resource`, with its code exchanged. */
async function authorize(account: TestAccount, resource = endpointOf(account.user.workspaceId)): Promise<Authorized> {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const pkce = createPkce()
  const callback = await consentAsBrowser(gateway, authorizationUrl(gateway.publicOrigin, agent, pkce, resource), account.cookie)
  const code = callback.searchParams.get('code')
  if (!code) throw new Error(`no code: ${callback.href}`)
  const response = await exchangeCode(gateway.fetch, gateway.publicOrigin, agent, code, pkce.verifier)
  expect(response.status).toBe(200)
  const tokens: TokenSet = await response.json()
  return { agent, tokens, code, verifier: pkce.verifier }
}

async function statusAt(endpoint: string, token: string | null, headers: Record<string, string> = {}): Promise<Response> {
  const response = await mcpInitialize(gateway.fetch, endpoint, token, headers)
  await response.body?.cancel()
  return response
}

test('a replayed authorization code is refused and revokes what the first exchange issued', async () => {
  const { agent, tokens, code, verifier } = await authorize(owner)
  expect((await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)).status).toBe(200)
  const replay = await exchangeCode(gateway.fetch, gateway.publicOrigin, agent, code, verifier)
  expect(replay.status).toBe(400)
  expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
  expect((await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)).status).toBe(401)
  const refresh = await refreshTokens(gateway.fetch, gateway.publicOrigin, agent, tokens.refresh_token ?? '')
  expect(refresh.status).toBe(400)
  // The family is gone from Connected apps too.
  expect(await getDb().agentGrant.count({ where: { clientId: agent.clientId } })).toBe(0)
})

test('a code exchanged with the wrong PKCE verifier is refused', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const pkce = createPkce()
  const callback = await consentAsBrowser(gateway, authorizationUrl(gateway.publicOrigin, agent, pkce, endpointOf(owner.user.workspaceId)), owner.cookie)
  const response = await exchangeCode(gateway.fetch, gateway.publicOrigin, agent, callback.searchParams.get('code') ?? '', createPkce().verifier)
  expect(response.status).toBe(400)
  expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
})

test('an authorization request without PKCE, or with plain PKCE, is refused', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const url = authorizationUrl(gateway.publicOrigin, agent, createPkce(), endpointOf(owner.user.workspaceId))
  url.searchParams.delete('code_challenge')
  url.searchParams.delete('code_challenge_method')
  const response = await gateway.fetch(url.href)
  const location = new URL(response.headers.get('location') ?? '', gateway.publicOrigin)
  expect(location.origin + location.pathname).toBe(AGENT_REDIRECT_URL)
  expect(location.searchParams.get('error')).toBe('invalid_request')
})

test('OpenID Connect is not offered: an authorization request for openid is refused', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const url = authorizationUrl(gateway.publicOrigin, agent, createPkce(), endpointOf(owner.user.workspaceId))
  url.searchParams.set('scope', 'openid mcp')
  const response = await gateway.fetch(url.href)
  expect(response.status).toBe(400)
  expect(await response.text()).toContain('invalid_scope')
})

test('a redirect URI that was not registered gets a plain error page, never a redirect to it', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const url = authorizationUrl(gateway.publicOrigin, { ...agent, redirectUri: 'https://evil.example/steal' }, createPkce(), endpointOf(owner.user.workspaceId))
  const response = await gateway.fetch(url.href)
  expect(response.status).toBe(400)
  expect(response.headers.get('location')).toBeNull()
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
  const body = await response.text()
  expect(body).toContain('redirect_uri')
  expect(body).not.toContain('<script')
})

test('a resource that is not an existing endpoint is refused with invalid_target', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  for (const resource of [`${gateway.publicOrigin}/mcp/no-such-workspace`, 'https://elsewhere.example/mcp/x', `${endpointOf(owner.user.workspaceId)}/`, `${endpointOf(owner.user.workspaceId)}/no-such-server`]) {
    const response = await gateway.fetch(authorizationUrl(gateway.publicOrigin, agent, createPkce(), resource).href)
    const location = new URL(response.headers.get('location') ?? '', gateway.publicOrigin)
    expect(location.searchParams.get('error'), resource).toBe('invalid_target')
  }
})

test('consent cannot be turned into an open redirect, and only the interaction of this browser can be answered', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const step = await openAuthorization(gateway, authorizationUrl(gateway.publicOrigin, agent, createPkce(), endpointOf(owner.user.workspaceId)), new CookieJar(owner.cookie))
  // Another uid in the URL than the interaction cookie names: refused.
  const wrong = await postConsent(step, 'allow', '/agent/authorize/someone-elses-uid')
  expect(wrong.status).toBe(400)
  // A returnTo in the query or form is ignored: the next hop is the provider's resume URL.
  const posted = await postConsent(step, 'allow', `${step.consentPath}?returnTo=https://evil.example/&redirectTo=//evil.example`)
  const location = new URL(posted.headers.get('location') ?? '')
  expect(location.origin).toBe(gateway.publicOrigin)
  expect(location.pathname.startsWith('/as/authorize/')).toBe(true)
  // Without the interaction cookies (another browser), the page is an expiry notice.
  const bare = await loadConsentPage({ consentPath: step.consentPath, jar: new CookieJar(owner.cookie) })
  expect(statusOf(bare)).toBe(400)
})

test('signed out, consent sends the person to sign in and back to the consent page', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const step = await openAuthorization(gateway, authorizationUrl(gateway.publicOrigin, agent, createPkce(), endpointOf(owner.user.workspaceId)), new CookieJar())
  const page = await loadConsentPage(step)
  expect(statusOf(page)).toBe(302)
  expect(page instanceof Response && page.headers.get('location')).toBe(`/login?${new URLSearchParams({ redirectTo: step.consentPath })}`)
})

test('after a Switchboard sign-out, the provider’s own session authorizes nothing: consent asks to sign in again', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const jar = new CookieJar(await sessionCookieFor(owner.user.id))
  const step = await openAuthorization(gateway, authorizationUrl(gateway.publicOrigin, agent, createPkce(), endpointOf(owner.user.workspaceId)), jar)
  const allowed = await postConsent(step, 'allow')
  const landed = await followToApp(gateway, allowed.headers.get('location') ?? '', jar)
  expect(landed.searchParams.get('code')).toBeTruthy()
  expect(jar.header()).toContain('_session=')

  const signedOut = await logoutAction({ request: formRequest('/logout', {}, jar.header()), params: {}, context: loadContext() })
  jar.take(signedOut)
  // The same browser, provider session cookie and all, asks again: it goes to consent, and consent to sign-in.
  const again = await openAuthorization(gateway, authorizationUrl(gateway.publicOrigin, agent, createPkce(), endpointOf(owner.user.workspaceId)), jar)
  const page = await loadConsentPage(again)
  expect(statusOf(page)).toBe(302)
  expect(page instanceof Response && page.headers.get('location')).toMatch(/^\/login\?redirectTo=/)
})

test('a person who is not a member of the workspace can only deny, and the app gets access_denied', async () => {
  const agent = await registerAgent(gateway.fetch, gateway.publicOrigin, { redirectUri: AGENT_REDIRECT_URL })
  const step = await openAuthorization(gateway, authorizationUrl(gateway.publicOrigin, agent, createPkce(), endpointOf(owner.user.workspaceId)), new CookieJar(other.cookie))
  // Nothing of the workspace is shown to a non-member, not even its name.
  const view = await loadConsentPage(step)
  expect(view).toMatchObject({ member: false, endpoint: null })
  expect(JSON.stringify(view)).not.toContain('Gateway Owner')
  expect((await postConsent(step, 'allow')).status).toBe(403)
  const denied = await postConsent(step, 'deny')
  const landed = await followToApp(gateway, denied.headers.get('location') ?? '', step.jar)
  expect(landed.searchParams.get('error')).toBe('access_denied')
  expect(landed.searchParams.get('iss')).toBe(gateway.publicOrigin)
  expect(await getDb().agentGrant.count({ where: { clientId: agent.clientId } })).toBe(0)
})

test('a client id metadata document URL resolving to a private address is refused without a redirect', async () => {
  for (const clientId of ['https://10.0.0.1/client.json', 'https://169.254.169.254/latest/client.json']) {
    const url = authorizationUrl(gateway.publicOrigin, { clientId, redirectUri: AGENT_REDIRECT_URL }, createPkce(), endpointOf(owner.user.workspaceId))
    const response = await gateway.fetch(url.href)
    expect(response.status, clientId).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    expect(await response.text()).toContain('invalid_client')
  }
})

test('an agent token is no sign-in for the web pages, and a web session is no token at the endpoint', async () => {
  const { tokens } = await authorize(owner)
  const page = await settle(() =>
    workspaceLoader({
      request: new Request(getRequest(`/w/${owner.user.workspaceId}`), { headers: { Authorization: `Bearer ${tokens.access_token}` } }),
      params: { workspaceId: owner.user.workspaceId },
      context: loadContext(),
    }),
  )
  expect(statusOf(page)).toBe(302)
  expect(page instanceof Response && page.headers.get('location')).toMatch(/^\/login/)

  const withCookie = await statusAt(endpointOf(owner.user.workspaceId), null, { Cookie: owner.cookie })
  expect(withCookie.status).toBe(401)
  expect(withCookie.headers.get('www-authenticate')).toContain(`resource_metadata="${gateway.publicOrigin}/.well-known/oauth-protected-resource/mcp/${owner.user.workspaceId}"`)
})

test('a token works only at the endpoint it was issued for', async () => {
  const { tokens } = await authorize(owner)
  for (const elsewhere of [endpointOf(other.user.workspaceId), endpointOf(owner.user.workspaceId, serverId)]) {
    const response = await statusAt(elsewhere, tokens.access_token)
    expect(response.status, elsewhere).toBe(401)
    const challenge = response.headers.get('www-authenticate') ?? ''
    expect(challenge).toContain('error="invalid_token"')
    expect(challenge).toContain('scope="mcp"')
    expect(challenge).toContain(`resource_metadata="${elsewhere.replace('/mcp/', '/.well-known/oauth-protected-resource/mcp/')}"`)
  }
  expect((await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)).status).toBe(200)

  // A per-server token works at that server's endpoint only.
  const perServer = await authorize(owner, endpointOf(owner.user.workspaceId, serverId))
  expect((await statusAt(endpointOf(owner.user.workspaceId, serverId), perServer.tokens.access_token)).status).not.toBe(401)
  expect((await statusAt(endpointOf(owner.user.workspaceId), perServer.tokens.access_token)).status).toBe(401)
})

test('refresh tokens rotate; a replayed one revokes the family and its access token', async () => {
  const { agent, tokens } = await authorize(owner)
  const first = await refreshTokens(gateway.fetch, gateway.publicOrigin, agent, tokens.refresh_token ?? '')
  expect(first.status).toBe(200)
  const rotated: TokenSet = await first.json()
  expect(rotated.refresh_token).toBeTruthy()
  expect(rotated.refresh_token).not.toBe(tokens.refresh_token)
  expect((await statusAt(endpointOf(owner.user.workspaceId), rotated.access_token)).status).toBe(200)

  const replay = await refreshTokens(gateway.fetch, gateway.publicOrigin, agent, tokens.refresh_token ?? '')
  expect(replay.status).toBe(400)
  expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
  expect((await statusAt(endpointOf(owner.user.workspaceId), rotated.access_token)).status).toBe(401)
  expect((await refreshTokens(gateway.fetch, gateway.publicOrigin, agent, rotated.refresh_token ?? '')).status).toBe(400)
  expect(await getDb().agentGrant.count({ where: { clientId: agent.clientId } })).toBe(0)
})

test('revoking the refresh token (RFC 7009) cuts the agent off', async () => {
  const { agent, tokens } = await authorize(owner)
  const revoked = await revokeToken(gateway.fetch, gateway.publicOrigin, agent, tokens.refresh_token ?? '', 'refresh_token')
  expect(revoked.status).toBe(200)
  expect((await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)).status).toBe(401)
  expect((await refreshTokens(gateway.fetch, gateway.publicOrigin, agent, tokens.refresh_token ?? '')).status).toBe(400)
})

test('deleting the Connected apps row, or removing the member, cuts the agent off at the next request', async () => {
  const { agent, tokens } = await authorize(owner)
  await getDb().agentGrant.deleteMany({ where: { clientId: agent.clientId } })
  const revoked = await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)
  expect(revoked.status).toBe(401)
  // Each refusal says why, so the person behind the agent knows what to do.
  expect(revoked.headers.get('www-authenticate')).toContain('access was revoked')

  // `other` joins the owner's workspace, allows an agent, and is removed.
  await getDb().membership.create({ data: { workspaceId: owner.user.workspaceId, userId: other.user.id, role: 'member' } })
  const member = await authorize(other, endpointOf(owner.user.workspaceId))
  expect((await statusAt(endpointOf(owner.user.workspaceId), member.tokens.access_token)).status).toBe(200)
  await getDb().membership.delete({ where: { workspaceId_userId: { workspaceId: owner.user.workspaceId, userId: other.user.id } } })
  const response = await statusAt(endpointOf(owner.user.workspaceId), member.tokens.access_token)
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
  expect(response.headers.get('www-authenticate')).toContain('no longer a member of this workspace')
})

test('the Connected apps row records its last use at most once a minute', async () => {
  const { agent, tokens } = await authorize(owner)
  const grant = () => getDb().agentGrant.findFirstOrThrow({ where: { clientId: agent.clientId }, select: { id: true, lastUsedAt: true } })
  await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)
  const { id } = await grant()
  const recent = new Date(Date.now() - 30_000)
  await getDb().agentGrant.update({ where: { id }, data: { lastUsedAt: recent } })
  await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)
  expect((await grant()).lastUsedAt).toEqual(recent)
  const old = new Date(Date.now() - 90_000)
  await getDb().agentGrant.update({ where: { id }, data: { lastUsedAt: old } })
  await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)
  expect((await grant()).lastUsedAt?.getTime()).toBeGreaterThan(old.getTime())
})

test('a foreign Origin is refused; no Origin passes', async () => {
  const { tokens } = await authorize(owner)
  expect((await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token, { Origin: 'https://evil.example' })).status).toBe(403)
  expect((await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token, { Origin: gateway.publicOrigin })).status).toBe(200)
  expect((await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token)).status).toBe(200)
})

test('an app that used up its requests gets 429 with Retry-After and a sentence', async () => {
  const { agent, tokens } = await authorize(owner)
  const key = agentRateLimitKey({ userId: owner.user.id, clientId: agent.clientId })
  const now = new Date()
  await getDb().throttle.upsert({
    where: { key },
    create: { key, count: agentRequestRule().limit, windowStart: now, lastEventAt: now },
    update: { count: agentRequestRule().limit, windowStart: now, lastEventAt: now },
  })
  const response = await mcpInitialize(gateway.fetch, endpointOf(owner.user.workspaceId), tokens.access_token)
  expect(response.status).toBe(429)
  const retryAfter = Number(response.headers.get('retry-after'))
  expect(retryAfter).toBeGreaterThan(0)
  expect(retryAfter).toBeLessThanOrEqual(60)
  const body: { error: { message: string } } = await response.json()
  expect(body.error.message).toMatch(/too many requests.*Wait/)
})

test('registrations from one address are limited: 429 with Retry-After', async () => {
  const key = registrationThrottleKey('127.0.0.1')
  const now = new Date()
  const full = { count: AGENT_REGISTRATIONS_PER_ADDRESS.limit, windowStart: now, lastEventAt: now }
  await getDb().throttle.upsert({ where: { key }, create: { key, ...full }, update: full })
  try {
    const response = await gateway.fetch(`${gateway.publicOrigin}/as/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [AGENT_REDIRECT_URL], token_endpoint_auth_method: 'none' }),
    })
    expect(response.status).toBe(429)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' })
  } finally {
    await getDb().throttle.delete({ where: { key } })
  }
})

test('the metadata: authorization server (RFC 8414) and each endpoint’s protected resource (RFC 9728)', async () => {
  const as = await (await gateway.fetch(`${gateway.publicOrigin}/.well-known/oauth-authorization-server`)).json()
  expect(as).toMatchObject({
    issuer: gateway.publicOrigin,
    authorization_endpoint: `${gateway.publicOrigin}/as/authorize`,
    token_endpoint: `${gateway.publicOrigin}/as/token`,
    registration_endpoint: `${gateway.publicOrigin}/as/register`,
    revocation_endpoint: `${gateway.publicOrigin}/as/revoke`,
    authorization_response_iss_parameter_supported: true,
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: true,
  })
  expect(as.scopes_supported).not.toContain('openid')
  expect(as).not.toHaveProperty('userinfo_endpoint')

  for (const endpoint of [endpointOf(owner.user.workspaceId), endpointOf(owner.user.workspaceId, serverId)]) {
    const prmUrl = endpoint.replace('/mcp/', '/.well-known/oauth-protected-resource/mcp/')
    const prm = await (await gateway.fetch(prmUrl)).json()
    expect(prm).toEqual({
      resource: endpoint,
      authorization_servers: [gateway.publicOrigin],
      scopes_supported: ['mcp'],
      bearer_methods_supported: ['header'],
      resource_name: expect.stringContaining('on Switchboard'),
    })
  }
  expect((await gateway.fetch(`${gateway.publicOrigin}/.well-known/oauth-protected-resource/mcp/no-such-workspace`)).status).toBe(404)
  expect((await gateway.fetch(`${gateway.publicOrigin}/.well-known/oauth-protected-resource/mcp/${owner.user.workspaceId}/no-such-server`)).status).toBe(404)
})

test('no token, code or verifier reaches the logs', async () => {
  const secrets: string[] = []
  const output = await captureLogs(async () => {
    const { agent, tokens, code, verifier } = await authorize(owner)
    await exchangeCode(gateway.fetch, gateway.publicOrigin, agent, code, verifier)
    await statusAt(endpointOf(other.user.workspaceId), tokens.access_token)
    await refreshTokens(gateway.fetch, gateway.publicOrigin, agent, tokens.refresh_token ?? '')
    await statusAt(endpointOf(owner.user.workspaceId), tokens.access_token, { Origin: 'https://evil.example' })
    secrets.push(tokens.access_token, tokens.refresh_token ?? '', code, verifier)
  })
  expect(output.length).toBeGreaterThan(0)
  for (const secret of secrets) expect(output).not.toContain(secret)
})
