// The OAuth callback route against real peers: every bad input ends on a page with a fitting
// status and a sentence that says what to do, nothing is stored for anyone, and neither the
// code, the state nor the PKCE verifier comes back in the answer. Plus: a flow survives an
// app restart between Connect and the callback (flows live in the database).
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { z } from 'zod'
import { requireServer } from '#app/models/server.server.ts'
import { updateServer } from '#app/servers/update-server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { decryptSecret } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { readFlash } from '#app/utils/flash.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type OidcMcpServer, startOidcMcpServer } from '#tests/servers/oidc-provider-server.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import {
  BASE_URL,
  createTestUser,
  dataOf,
  formRequest,
  getRequest,
  headersOf,
  loadContext,
  sessionCookieFor,
  settle,
  statusOf,
} from '#tests/utils.ts'

let oidc: OidcMcpServer
let sdkA: SdkAuthServer
let sdkB: SdkAuthServer

beforeAll(async () => {
  ;[oidc, sdkA, sdkB] = await Promise.all([startOidcMcpServer(), startSdkAuthServer(), startSdkAuthServer()])
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([oidc?.close(), sdkA?.close(), sdkB?.close()])
})

const CallbackPageSchema = z.object({ message: z.string(), serverPath: z.string().nullable(), signIn: z.boolean() })

type Person = { id: string; workspaceId: string; cookie: string }
type Account = { id: string; workspaceId: string }

// Two accounts for the whole file (password hashing is slow on purpose); every test signs in anew.
let alice: Account
let mallory: Account

beforeAll(async () => {
  const [a, m] = await Promise.all([createTestUser('Alice'), createTestUser('Mallory')])
  alice = { id: a.id, workspaceId: a.workspaceId }
  mallory = { id: m.id, workspaceId: m.workspaceId }
})

/** A new browser session of `account`. */
async function signIn(account: Account): Promise<Person> {
  return { ...account, cookie: await sessionCookieFor(account.id) }
}

let serverCount = 0
async function addServer(owner: Person, url: string, label: string): Promise<string> {
  serverCount += 1
  const server = await getDb().mcpServer.create({
    data: { workspaceId: owner.workspaceId, name: `${label} ${serverCount} ${owner.id.slice(-6)}`, url, authType: 'oauth', timeoutMs: 10_000 },
    select: { id: true },
  })
  return server.id
}

/** Presses Connect; returns the authorization URL the app redirected to. */
async function connect(who: Person, serverId: string, workspaceId = who.workspaceId): Promise<string> {
  const result = await settle(() =>
    connectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/connect`, { intent: 'connect' }, who.cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
  const location = headersOf(result).get('Location') ?? ''
  expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
  return location
}

/** The SDK peer approves at once: its /authorize answers 302 to the redirect URI with code and state. */
async function authorizeAtSdkPeer(authorizationUrl: string): Promise<URL> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  await response.body?.cancel()
  expect(response.status).toBe(302)
  const back = new URL(response.headers.get('Location') ?? '')
  expect(`${back.origin}${back.pathname}`).toBe(`${BASE_URL}/oauth/callback`)
  return back
}

/** The PKCE verifier stored for the server's pending flow (decrypted), to prove it never comes back. */
async function pendingVerifier(serverId: string): Promise<string> {
  const row = await getDb().oAuthFlow.findFirstOrThrow({ where: { serverId }, select: { id: true, codeVerifier: true } })
  const decrypted = decryptSecret(row.codeVerifier, { table: 'OAuthFlow', column: 'codeVerifier', rowId: row.id })
  if (!decrypted.ok) throw new Error('test: the stored verifier does not decrypt')
  return decrypted.value
}

function callback(query: URLSearchParams | string, cookie?: string) {
  const search = typeof query === 'string' ? query : query.toString()
  return settle(() => callbackLoader({ request: getRequest(`/oauth/callback?${search}`, cookie), params: {}, context: loadContext() }))
}

/** The error page's data, after checking the private headers every callback answer carries. */
function errorPage(result: unknown, status: number) {
  expect(statusOf(result)).toBe(status)
  expect(headersOf(result).get('Cache-Control')).toBe('no-store')
  expect(headersOf(result).get('Referrer-Policy')).toBe('no-referrer')
  return CallbackPageSchema.parse(dataOf(result))
}

/** Neither the answer's body nor its headers hold any of `secrets`. */
function expectNoSecrets(result: unknown, secrets: Array<string | null | undefined>) {
  const headers = [...headersOf(result).entries()].map(([name, value]) => `${name}: ${value}`).join('\n')
  const everything = `${JSON.stringify(dataOf(result) instanceof Response ? null : dataOf(result))}\n${headers}`
  for (const secret of secrets) {
    if (!secret) continue
    expect(everything).not.toContain(secret)
    expect(everything).not.toContain(encodeURIComponent(secret))
  }
}

async function connectionCount(serverId: string): Promise<number> {
  return getDb().oAuthConnection.count({ where: { serverId } })
}

function authorizationCodeRequests(peer: { stats: { tokenRequests: Record<string, number> } }): number {
  return peer.stats.tokenRequests.authorization_code ?? 0
}

test('a callback without state is refused with 400 and leaves the pending sign-in untouched', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const code = back.searchParams.get('code')
  const verifier = await pendingVerifier(serverId)
  const exchanges = authorizationCodeRequests(sdkA)

  const result = await callback(new URLSearchParams({ code: code ?? '' }), me.cookie)

  const page = errorPage(result, 400)
  expect(page.message).toContain('has no state')
  expect(page.message).toContain('Start again with Connect')
  expect(page.signIn).toBe(false)
  expectNoSecrets(result, [code, verifier])
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
  // Nobody could tell which flow this was, so nothing was consumed.
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(1)
})

test('a callback with an unknown state is refused with 400 and the code is never exchanged', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const code = back.searchParams.get('code') ?? ''
  const madeUp = 'x'.repeat(43)
  const exchanges = authorizationCodeRequests(sdkA)

  const result = await callback(new URLSearchParams({ code, state: madeUp }), me.cookie)

  const page = errorPage(result, 400)
  expect(page.message).toContain('unknown or was already completed')
  expect(page.message).toContain('start again with Connect')
  expectNoSecrets(result, [code, madeUp])
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
})

test('a callback for a sign-in older than 10 minutes is refused as expired and stores nothing', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const verifier = await pendingVerifier(serverId)
  // The person took too long: age the flow in the database.
  await getDb().oAuthFlow.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1_000) } })
  const exchanges = authorizationCodeRequests(sdkA)

  const result = await callback(back.searchParams, me.cookie)

  const page = errorPage(result, 400)
  expect(page.message).toContain('has expired')
  expect(page.message).toContain('Start again with Connect')
  expect(page.serverPath).toBe(`/w/${me.workspaceId}/servers/${serverId}`)
  expectNoSecrets(result, [back.searchParams.get('code'), back.searchParams.get('state'), verifier])
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(0)
})

test('a replayed callback is refused and leaves the connection made by the first one unchanged', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const verifier = await pendingVerifier(serverId)

  const first = await callback(back.searchParams, me.cookie)
  expect(statusOf(first)).toBe(302)
  expectNoSecrets(first, [back.searchParams.get('code'), back.searchParams.get('state'), verifier])
  const before = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { id: true, generation: true, accessToken: true } })
  const exchanges = authorizationCodeRequests(sdkA)

  const replay = await callback(back.searchParams, me.cookie)

  const page = errorPage(replay, 400)
  expect(page.message).toContain('already completed')
  expectNoSecrets(replay, [back.searchParams.get('code'), back.searchParams.get('state'), verifier])
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  const after = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { id: true, generation: true, accessToken: true } })
  expect(after).toEqual(before)
})

test("another user's callback URL is refused with 403, stores nothing for either user, and the owner still completes it", async () => {
  const me = await signIn(alice)
  const thief = await signIn(mallory)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const verifier = await pendingVerifier(serverId)
  const exchanges = authorizationCodeRequests(sdkA)

  // Mallory's browser lands on Alice's callback URL (e.g. a link Alice was tricked into sharing).
  const stolen = await callback(back.searchParams, thief.cookie)

  const page = errorPage(stolen, 403)
  expect(page.message).toContain('started by another account or in another browser')
  expect(page.message).toContain('Start again with Connect')
  // Nothing about Alice's server leaks to Mallory, not even a link to it.
  expect(page.serverPath).toBeNull()
  expectNoSecrets(stolen, [back.searchParams.get('code'), back.searchParams.get('state'), verifier])
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  expect(await getDb().oAuthConnection.count({ where: { OR: [{ serverId }, { userId: mallory.id }, { connectedById: mallory.id }] } })).toBe(0)
  // Refusing Mallory did not burn Alice's sign-in: asking again changes nothing either.
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(1)
  expect(statusOf(await callback(back.searchParams, thief.cookie))).toBe(403)

  // Alice finishes her own sign-in: the code is exchanged at the peer and the connection is hers.
  const mine = await callback(back.searchParams, me.cookie)
  expect(statusOf(mine)).toBe(302)
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges + 1)
  const connection = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { userId: true, connectedById: true, status: true } })
  expect(connection).toEqual({ userId: alice.id, connectedById: alice.id, status: 'connected' })
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(0)
  // And now the state is used up for everyone: Mallory gets "unknown", not a hint that it existed.
  expect(errorPage(await callback(back.searchParams, thief.cookie), 400).message).toContain('unknown or was already completed')
})

test('the same user in another browser session cannot finish a sign-in started elsewhere, and the starting browser still can', async () => {
  const me = await signIn(alice)
  const otherBrowser = await sessionCookieFor(me.id)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const verifier = await pendingVerifier(serverId)
  const exchanges = authorizationCodeRequests(sdkA)

  const result = await callback(back.searchParams, otherBrowser)

  const page = errorPage(result, 403)
  expect(page.message).toContain('in another browser')
  expectNoSecrets(result, [back.searchParams.get('code'), back.searchParams.get('state'), verifier])
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(1)

  expect(statusOf(await callback(back.searchParams, me.cookie))).toBe(302)
  expect(await connectionCount(serverId)).toBe(1)
})

test('a callback without a code is refused with 400 and stores nothing', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const verifier = await pendingVerifier(serverId)
  const exchanges = authorizationCodeRequests(sdkA)

  const result = await callback(new URLSearchParams({ state: back.searchParams.get('state') ?? '' }), me.cookie)

  const page = errorPage(result, 400)
  expect(page.message).toContain('without an authorization code')
  expect(page.message).toContain('Start again with Connect')
  expectNoSecrets(result, [back.searchParams.get('code'), back.searchParams.get('state'), verifier])
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
})

test('access_denied from a real consent page says nobody was connected and quotes the server briefly', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, oidc.mcpUrl, 'OIDC')
  const location = await connect(me, serverId)
  const verifier = await pendingVerifier(serverId)
  const back = new URL(await oidc.approveAuthorization(location, { deny: true }))
  expect(back.searchParams.get('error')).toBe('access_denied')
  const description = back.searchParams.get('error_description')
  expect(description).toBeTruthy()

  const result = await callback(back.searchParams, me.cookie)

  const page = errorPage(result, 400)
  expect(page.message).toContain('Access was not granted')
  expect(page.message).toContain('you can try again')
  expect(page.message).toContain(`The authorization server said: “${description}”`)
  expect(page.serverPath).toBe(`/w/${me.workspaceId}/servers/${serverId}`)
  expectNoSecrets(result, [back.searchParams.get('state'), verifier])
  expect(await connectionCount(serverId)).toBe(0)
  const audit = await getDb().auditEvent.findFirst({ where: { serverId, event: 'oauth.connect_failed' }, select: { outcome: true } })
  expect(audit?.outcome).toBe('failure')
})

test('access_denied without a description, and with a long one full of markup, each give a short plain message', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')

  const plain = await authorizeAtSdkPeer(await connect(me, serverId))
  const withoutDescription = await callback(
    new URLSearchParams({ state: plain.searchParams.get('state') ?? '', error: 'access_denied' }),
    me.cookie,
  )
  const first = errorPage(withoutDescription, 400)
  expect(first.message).toBe('Access was not granted (you declined, or the authorization server refused). Nothing was connected; you can try again.')

  const noisy = await authorizeAtSdkPeer(await connect(me, serverId))
  const markup = `<script>alert("x")</script>\u0000\u0007 <img src=x onerror=alert(1)> ${'blah '.repeat(300)}`
  const withDescription = await callback(
    new URLSearchParams({ state: noisy.searchParams.get('state') ?? '', error: 'access_denied', error_description: markup }),
    me.cookie,
  )
  const second = errorPage(withDescription, 400)
  expect(second.message.startsWith('Access was not granted')).toBe(true)
  // One full stop: the quote ends with the description's own ellipsis.
  const quoted = /The authorization server said: “(.*)”\)$/.exec(second.message)?.[1] ?? ''
  // Shortened (200 characters and an ellipsis) and stripped of control characters; React escapes the rest.
  expect(quoted.length).toBeLessThanOrEqual(201)
  expect(quoted.endsWith('…')).toBe(true)
  expect(quoted.startsWith('<script>alert("x")</script> <img')).toBe(true)
  expect([...second.message].filter((char) => char.charCodeAt(0) < 0x20)).toEqual([])
  expect(await connectionCount(serverId)).toBe(0)
})

test('temporarily_unavailable from the authorization server is a 503 that says to try again later', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const verifier = await pendingVerifier(serverId)

  const result = await callback(
    new URLSearchParams({ state: back.searchParams.get('state') ?? '', error: 'temporarily_unavailable' }),
    me.cookie,
  )

  const page = errorPage(result, 503)
  expect(page.message).toContain('temporarily unavailable')
  expect(page.message).toContain('Try again in a few minutes')
  expectNoSecrets(result, [back.searchParams.get('state'), verifier])
  expect(await connectionCount(serverId)).toBe(0)
})

test('a tampered iss from an authorization server that advertises RFC 9207 is refused and nothing from the answer is shown', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, oidc.mcpUrl, 'OIDC')
  const location = await connect(me, serverId)
  const verifier = await pendingVerifier(serverId)
  const back = new URL(await oidc.approveAuthorization(location))
  expect(back.searchParams.get('iss')).toBe(oidc.issuer)
  const code = back.searchParams.get('code')
  const tampered = new URLSearchParams(back.searchParams)
  tampered.set('iss', 'http://127.0.0.1:9/evil-issuer')
  tampered.set('error_description', 'INJECTED-BY-THE-ATTACKER please visit evil.example')
  const exchanges = authorizationCodeRequests(oidc)

  const result = await callback(tampered, me.cookie)

  const page = errorPage(result, 400)
  expect(page.message).toContain('came from another authorization server')
  expect(page.message).toContain('Start again with Connect')
  expect(page.message).not.toContain('INJECTED')
  expect(page.message).not.toContain('evil')
  expectNoSecrets(result, [code, back.searchParams.get('state'), verifier])
  expect(authorizationCodeRequests(oidc)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
})

test('a missing iss is refused when the authorization server advertises authorization_response_iss_parameter_supported', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, oidc.mcpUrl, 'OIDC')
  const location = await connect(me, serverId)
  const verifier = await pendingVerifier(serverId)
  const back = new URL(await oidc.approveAuthorization(location))
  const withoutIss = new URLSearchParams(back.searchParams)
  withoutIss.delete('iss')
  const exchanges = authorizationCodeRequests(oidc)

  const result = await callback(withoutIss, me.cookie)

  const page = errorPage(result, 400)
  expect(page.message).toContain('did not say who sent it (no iss)')
  expect(page.message).toContain('Start again with Connect')
  expectNoSecrets(result, [back.searchParams.get('code'), back.searchParams.get('state'), verifier])
  expect(authorizationCodeRequests(oidc)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
})

test('an iss is compared even where the authorization server does not advertise it', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const withIss = new URLSearchParams(back.searchParams)
  withIss.set('iss', sdkB.issuer)
  const exchanges = authorizationCodeRequests(sdkA)

  const result = await callback(withIss, me.cookie)

  expect(errorPage(result, 400).message).toContain('came from another authorization server')
  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
})

test("a code issued for another server is refused when exchanged against this server's flow, and nothing is stored", async () => {
  const me = await signIn(alice)
  const serverA = await addServer(me, sdkA.mcpUrl, 'SDK A')
  const serverB = await addServer(me, sdkB.mcpUrl, 'SDK B')
  const backA = await authorizeAtSdkPeer(await connect(me, serverA))
  const verifierA = await pendingVerifier(serverA)
  const backB = await authorizeAtSdkPeer(await connect(me, serverB))
  const verifierB = await pendingVerifier(serverB)
  const codeA = backA.searchParams.get('code') ?? ''
  const codeB = backB.searchParams.get('code') ?? ''
  const errorsA = sdkA.stats.tokenErrors.invalid_grant ?? 0
  const errorsB = sdkB.stats.tokenErrors.invalid_grant ?? 0

  // Server B's code with server A's state: exchanged at A's token endpoint, which never issued it.
  const swappedA = await callback(new URLSearchParams({ code: codeB, state: backA.searchParams.get('state') ?? '' }), me.cookie)
  const pageA = errorPage(swappedA, 502)
  expect(pageA.message).toContain('The sign-in was not accepted')
  expect(pageA.message).toContain('Connect again')
  expect(sdkA.stats.tokenErrors.invalid_grant).toBe(errorsA + 1)
  expectNoSecrets(swappedA, [codeA, codeB, verifierA, verifierB])

  // And the other way round.
  const swappedB = await callback(new URLSearchParams({ code: codeA, state: backB.searchParams.get('state') ?? '' }), me.cookie)
  expect(errorPage(swappedB, 502).message).toContain('The sign-in was not accepted')
  expect(sdkB.stats.tokenErrors.invalid_grant).toBe(errorsB + 1)
  expectNoSecrets(swappedB, [codeA, codeB, verifierA, verifierB])

  expect(await connectionCount(serverA)).toBe(0)
  expect(await connectionCount(serverB)).toBe(0)
  // Both flows were used up by the attempts.
  expect(await getDb().oAuthFlow.count({ where: { serverId: { in: [serverA, serverB] } } })).toBe(0)
})

test('a callback without a signed-in session is a 401 page that says to sign in, and keeps the flow', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const exchanges = authorizationCodeRequests(sdkA)

  const anonymous = await callback(back.searchParams)
  const page = errorPage(anonymous, 401)
  expect(page.signIn).toBe(true)
  expect(page.message).toContain('You are not signed in')
  expect(page.message).toContain('Sign in, then press Connect again')
  expectNoSecrets(anonymous, [back.searchParams.get('code'), back.searchParams.get('state')])

  // A cookie of a session that no longer exists is no better.
  const ghost = await callback(back.searchParams, `sb_session=${'A'.repeat(43)}`)
  expect(errorPage(ghost, 401).signIn).toBe(true)

  expect(authorizationCodeRequests(sdkA)).toBe(exchanges)
  expect(await connectionCount(serverId)).toBe(0)
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(1)
})

test("a callback after an admin changed the server's URL is refused with 409 and the code is not exchanged", async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const back = await authorizeAtSdkPeer(await connect(me, serverId))
  const verifier = await pendingVerifier(serverId)
  const server = await requireServer(me.workspaceId, serverId)
  // The admin points the server elsewhere while the person is at the authorization server.
  await updateServer(
    server,
    { name: server.name, url: sdkB.mcpUrl, transport: server.transport, authType: 'oauth', timeoutMs: server.timeoutMs, enabled: true },
    null,
    null,
  )
  const exchangesA = authorizationCodeRequests(sdkA)
  const exchangesB = authorizationCodeRequests(sdkB)

  const result = await callback(back.searchParams, me.cookie)

  const page = errorPage(result, 409)
  expect(page.message).toContain('An admin changed this server’s settings')
  expect(page.message).toContain('Start again with Connect')
  expectNoSecrets(result, [back.searchParams.get('code'), back.searchParams.get('state'), verifier])
  expect(authorizationCodeRequests(sdkA)).toBe(exchangesA)
  expect(authorizationCodeRequests(sdkB)).toBe(exchangesB)
  expect(await connectionCount(serverId)).toBe(0)
})

test('a sign-in started before an app restart completes afterwards in a fresh module graph', async () => {
  const me = await signIn(alice)
  const serverId = await addServer(me, oidc.mcpUrl, 'OIDC')
  const location = await connect(me, serverId)
  const back = new URL(await oidc.approveAuthorization(location))

  // "Restart": drop every in-memory thing this process holds, then load the app again from scratch.
  await getSessionPool().closeAll()
  vi.resetModules()
  const fresh = await import('#app/routes/oauth.callback.tsx')
  const freshServers = await import('#app/models/server.server.ts')
  const freshTools = await import('#app/mcp/tools.server.ts')
  expect(fresh.loader).not.toBe(callbackLoader)

  const result = await settle(() =>
    fresh.loader({ request: getRequest(`/oauth/callback?${back.searchParams.toString()}`, me.cookie), params: {}, context: loadContext() }),
  )
  expect(statusOf(result)).toBe(302)
  expect(headersOf(result).get('Location')).toBe(`/w/${me.workspaceId}/servers/${serverId}`)
  expect(headersOf(result).get('Cache-Control')).toBe('no-store')
  const flash = await readFlash(new Request(BASE_URL, { headers: { Cookie: (headersOf(result).getSetCookie()[0] ?? '').split(';')[0] ?? '' } }))
  expect(flash.flash?.message).toMatch(/^Connected to OIDC \d+ /)

  const row = await getDb().oAuthConnection.findFirstOrThrow({ where: { serverId }, select: { status: true, issuer: true, userId: true } })
  expect(row).toEqual({ status: 'connected', issuer: oidc.issuer, userId: me.id })
  const call = await freshTools.callServerTool(me.id, await freshServers.requireServer(me.workspaceId, serverId), 'echo', { text: 'after restart' })
  expect(call.ok).toBe(true)
  // And the process that started it sees the same connection.
  const again = await callServerTool(me.id, await requireServer(me.workspaceId, serverId), 'echo', { text: 'old graph' })
  expect(again.ok).toBe(true)
})

test('one person holds at most five pending sign-ins: a sixth Connect pushes out their oldest, and nobody else’s', async () => {
  const me = await signIn(alice)
  const other = await signIn(mallory)
  const otherServer = await addServer(other, sdkA.mcpUrl, 'SDK')
  await connect(other, otherServer)
  await getDb().oAuthFlow.deleteMany({ where: { userId: alice.id } })
  const serverId = await addServer(me, sdkA.mcpUrl, 'SDK')
  const first = await authorizeAtSdkPeer(await connect(me, serverId))
  for (let i = 0; i < 4; i++) await connect(me, serverId)
  expect(await getDb().oAuthFlow.count({ where: { userId: alice.id } })).toBe(5)

  const newest = await authorizeAtSdkPeer(await connect(me, serverId))

  expect(await getDb().oAuthFlow.count({ where: { userId: alice.id } })).toBe(5)
  expect(await getDb().oAuthFlow.count({ where: { userId: mallory.id, serverId: otherServer } })).toBe(1)
  expect(errorPage(await callback(first.searchParams, me.cookie), 400).message).toContain('unknown or was already completed')
  expect(statusOf(await callback(newest.searchParams, me.cookie))).toBe(302)
})
