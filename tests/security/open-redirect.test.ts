// Open-redirect attempts on every place where the request says where to go next: sign-in's
// redirectTo (and the login redirect that fills it in), Connect's returnTo (its error redirect
// and, through a real authorization server, the callback's final redirect), the step-up's
// resume landing, and stray return parameters on the callback URL. Every answer must stay on
// Switchboard's own origin, whatever the attacker wrote.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { savePendingToolCall } from '#app/models/pending-tool-call.server.ts'
import { action as loginAction } from '#app/routes/login.tsx'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { loader as toolsLoader } from '#app/routes/w.$workspaceId.tools.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { autoApprove } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { BASE_URL, createTestUser, formRequest, getRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

/** Ways to write "somewhere else" that a naive check lets through. */
const ATTACKS = [
  '//evil.example',
  '//evil.example/path?x=1',
  '///evil.example',
  'https://evil.example/',
  'http:evil.example',
  'https:/evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/\t/evil.example',
  '/ /evil.example',
  ' //evil.example',
  'javascript:alert(document.cookie)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '%2F%2Fevil.example',
  '/%2F%2Fevil.example',
  '/%5C%5Cevil.example',
  '/%09/evil.example',
  '/\r\nLocation: https://evil.example',
  '/%0d%0aSet-Cookie:%20sb_session=planted',
  '/\u2215\u2215evil.example',
  // Dot segments: "/./" and "/../" collapse when the path is normalised, leaving "//host".
  '/.//evil.example',
  '/..//evil.example',
  '/x/..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
]

/**
 * Why a Location would take a browser away from this origin, or null when it stays: it must be
 * a single-slash path without control characters that resolves to BASE_URL's origin.
 */
function offOrigin(location: string | null): string | null {
  if (!location) return 'no Location'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(location)) return 'control characters'
  if (!location.startsWith('/')) return 'not a path'
  // Browsers read "//host" and "/\host" as another host.
  if (/^\/[/\\]/.test(location)) return 'protocol-relative'
  return new URL(location, BASE_URL).origin === BASE_URL ? null : 'another origin'
}

/** Collects "attack → Location (why)" for every answer that would leave the origin. */
function leaks() {
  const found: string[] = []
  return {
    found,
    check(attack: string, location: string | null) {
      const why = offOrigin(location)
      if (why) found.push(`${JSON.stringify(attack)} → ${JSON.stringify(location)} (${why})`)
    },
  }
}

/** The attacks that sign-in is tried with: each sign-in checks a password on purpose slowly, so a sample of every kind. */
const SIGN_IN_ATTACKS = [
  '//evil.example',
  'https://evil.example/',
  '/\\evil.example',
  'javascript:alert(document.cookie)',
  '/%2F%2Fevil.example',
  '/\r\nLocation: https://evil.example',
  '/.//evil.example',
  '/..//evil.example',
  '/%2e//evil.example',
]

let peer: SdkAuthServer
// One account for the file (password hashing is slow on purpose); tests that need OAuth get their own servers.
let account: { id: string; email: string; password: string; workspaceId: string; cookie: string }

beforeAll(async () => {
  const [started, user] = await Promise.all([startSdkAuthServer(), createTestUser('Redirect victim')])
  peer = started
  account = { ...user, cookie: await sessionCookieFor(user.id) }
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await peer?.close()
})

test('signing in sends the person to one of the app’s own pages, whatever redirectTo says', async () => {
  const user = account
  const leaked = leaks()
  for (const attack of SIGN_IN_ATTACKS) {
    const result = await settle(() =>
      loginAction({
        request: formRequest('/login', { email: user.email, password: user.password, redirectTo: attack }),
        params: {},
        context: loadContext(),
      }),
    )
    expect(statusOf(result), attack).toBe(302)
    leaked.check(attack, headersOf(result).get('Location'))
  }
  expect(leaked.found).toEqual([])
})

test('the sign-in redirect built from a strange request path never names another site, and signing in from it stays here', async () => {
  const user = account
  const leaked = leaks()
  for (const path of ['//evil.example/w/x', '/.//evil.example', '/..//evil.example/', '/\\evil.example', '/%2F%2Fevil.example']) {
    // Built by hand: new URL(path, base) would already treat "//evil.example" as a host.
    const request = new Request(`${BASE_URL}${path}`)
    const result = await settle(() => toolsLoader({ request, params: { workspaceId: 'x' }, context: loadContext() }))
    expect(statusOf(result), path).toBe(302)
    const location = headersOf(result).get('Location') ?? ''
    expect(location.startsWith('/login'), location).toBe(true)
    leaked.check(path, location)
    const redirectTo = new URL(location, BASE_URL).searchParams.get('redirectTo')
    if (redirectTo === null) continue
    leaked.check(`${path} (redirectTo)`, redirectTo)
    // What the sign-in form posts back: the final landing must stay here too.
    const signedIn = await settle(() =>
      loginAction({ request: formRequest('/login', { email: user.email, password: user.password, redirectTo }), params: {}, context: loadContext() }),
    )
    leaked.check(`${path} → sign-in`, headersOf(signedIn).get('Location'))
  }
  expect(leaked.found).toEqual([])
})

test('Connect sends the person back to returnTo only when it is one of the app’s own pages', async () => {
  // A server without OAuth: Connect answers at once with a redirect to returnTo and a message.
  const user = account
  const cookie = account.cookie
  const server = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: 'Plain', url: peer.mcpUrl, authType: 'none' },
    select: { id: true },
  })
  const path = `/w/${user.workspaceId}/servers/${server.id}/connect`
  const leaked = leaks()
  for (const attack of ATTACKS) {
    const result = await settle(() =>
      connectAction({ request: formRequest(path, { intent: 'connect', returnTo: attack }, cookie), params: { workspaceId: user.workspaceId, serverId: server.id }, context: loadContext() }),
    )
    expect(statusOf(result), attack).toBe(302)
    leaked.check(attack, headersOf(result).get('Location'))
  }
  expect(leaked.found).toEqual([])
})

/** An OAuth server at the SDK peer in the account's workspace, and the account's session cookie. */
async function oauthSetup(label: string) {
  const server = await getDb().mcpServer.create({
    data: { workspaceId: account.workspaceId, name: `${label} OAuth`, url: peer.mcpUrl, authType: 'oauth', timeoutMs: 10_000 },
    select: { id: true },
  })
  return { cookie: account.cookie, serverId: server.id, workspaceId: account.workspaceId }
}

/** The callback's answer to the authorization server's redirect back, with extra query parameters appended. */
async function runCallback(callbackUrl: string, cookie: string, extra: Record<string, string> = {}) {
  const back = new URL(callbackUrl)
  for (const [name, value] of Object.entries(extra)) back.searchParams.set(name, value)
  return settle(() => callbackLoader({ request: getRequest(`${back.pathname}${back.search}`, cookie), params: {}, context: loadContext() }))
}

test('a malicious returnTo given to Connect never leads off the origin after the authorization server sends the person back', async () => {
  const { cookie, serverId, workspaceId } = await oauthSetup('Full path')
  const here = `/w/${workspaceId}/servers/${serverId}`
  const leaked = leaks()
  for (const attack of ATTACKS) {
    const started = await settle(() =>
      connectAction({ request: formRequest(`${here}/connect`, { intent: 'connect', returnTo: attack }, cookie), params: { workspaceId, serverId }, context: loadContext() }),
    )
    expect(statusOf(started), attack).toBe(302)
    const authorizationUrl = headersOf(started).get('Location') ?? ''
    expect(authorizationUrl.startsWith(`${new URL(peer.mcpUrl).origin}/`), attack).toBe(true)
    // The callback URL also carries return parameters of its own: the callback must ignore them.
    const finished = await runCallback(await autoApprove(authorizationUrl), cookie, {
      returnTo: '//evil.example',
      redirectTo: 'https://evil.example/',
      next: '/.//evil.example',
    })
    expect(statusOf(finished), attack).toBe(302)
    leaked.check(attack, headersOf(finished).get('Location'))
  }
  expect(leaked.found).toEqual([])
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(1)
})

test('a step-up with a malicious returnTo resumes the stopped call on a same-origin page; a pending id that is not an id is refused', async () => {
  const { cookie, serverId, workspaceId } = await oauthSetup('Step-up')
  const here = `/w/${workspaceId}/servers/${serverId}`
  const leaked = leaks()
  for (const [index, attack] of ['//evil.example', '/.//evil.example', 'https://evil.example/', '/\\evil.example', '/x/..//evil.example'].entries()) {
    // A stopped call of this person's (each may make only three round trips: one each here).
    const pending = await savePendingToolCall({ userId: account.id, serverId, toolName: `echo-${index}`, input: { kind: 'arguments', arguments: {} } })
    const started = await settle(() =>
      connectAction({
        request: formRequest(`${here}/connect`, { intent: 'step-up', scopes: 'mcp:tools', tool: `echo-${index}`, pending, returnTo: attack }, cookie),
        params: { workspaceId, serverId },
        context: loadContext(),
      }),
    )
    expect(statusOf(started), attack).toBe(302)
    const finished = await runCallback(await autoApprove(headersOf(started).get('Location') ?? ''), cookie)
    const location = headersOf(finished).get('Location')
    leaked.check(attack, location)
    expect(new URL(location ?? '', BASE_URL).searchParams.get('resume'), attack).toBe(pending)
  }
  expect(leaked.found).toEqual([])
  for (const bad of ['../../evil', `${'A'.repeat(31)}\n`, 'https://evil.example/aaaaaaaaaaaaaaaaaa', `${'A'.repeat(30)}//`]) {
    const refused = await settle(() =>
      connectAction({
        request: formRequest(`${here}/connect`, { intent: 'step-up', scopes: 'mcp:tools', tool: 'echo', pending: bad, returnTo: here }, cookie),
        params: { workspaceId, serverId },
        context: loadContext(),
      }),
    )
    expect(statusOf(refused), JSON.stringify(bad)).toBe(400)
  }
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(0)
})
