// Security headers on every route of the real production server. The route list comes from the
// app/routes folder (as in tests/integration/authorization-matrix.test.ts), so a new route is
// checked without anyone adding it here. Each path is requested anonymously and as a signed-in
// owner, without following redirects, so that 302s and error pages are checked too; plus the
// OAuth answers that leave for or come back from an authorization server (Connect's 302 and the
// callback's 302). HTTP-level only: runs once, in the js-on project (tests/playwright.config.ts).
import fs from 'node:fs'
import path from 'node:path'
import { type APIResponse } from '@playwright/test'
import { addMember } from '#app/models/workspace.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { createSession } from '#app/utils/session.server.ts'
import { createUser, demo, expect, test } from '#tests/fixtures.ts'
import { startOidcMcpServer } from '#tests/servers/oidc-provider-server.ts'
import { type RouteIds, routePathOf } from '#tests/support/route-paths.ts'

type Ids = RouteIds

/** Route files of app/routes (the same filter as the authorization matrix); a folder route by its route.tsx. */
function routeFiles(): string[] {
  const folder = path.resolve('app/routes')
  return fs
    .readdirSync(folder)
    .map((file) => (fs.existsSync(path.join(folder, file, 'route.tsx')) ? `${file}/route.tsx` : file))
    .filter((file) => /\.(ts|tsx)$/.test(file) && !/\.(test|server)\.tsx?$/.test(file) && file !== 'form-schema.ts')
    .sort()
}

/** The URL path of a route file, with the ids filled in. */
function pathOf(file: string, ids: Ids): string {
  return routePathOf(file, ids)
}

/** Every value a response sent for `name` (a header sent twice shows up twice). */
function values(response: APIResponse, name: string): string[] {
  return response
    .headersArray()
    .filter((header) => header.name.toLowerCase() === name)
    .map((header) => header.value)
}

/** Problems with one response's security headers, as sentences (empty when all is well). */
async function problemsWith(label: string, response: APIResponse, expected: { referrerPolicy: string; noStore: boolean }): Promise<string[]> {
  const problems: string[] = []
  const expectOne = (name: string, check: (value: string) => boolean, wanted: string) => {
    const found = values(response, name)
    if (found.length !== 1 || !check(found[0] ?? '')) problems.push(`${label}: ${name} is ${JSON.stringify(found)}, expected ${wanted}`)
  }
  const csp = values(response, 'content-security-policy')[0] ?? ''
  expectOne('content-security-policy', (value) => /(^|; )script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'(;|$)/.test(value), "script-src 'self' with a nonce")
  for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "default-src 'self'"]) {
    if (!csp.includes(directive)) problems.push(`${label}: the CSP lacks ${directive}`)
  }
  if (/unsafe-inline|unsafe-eval|\*/.test(csp)) problems.push(`${label}: the CSP allows unsafe sources: ${csp}`)
  expectOne('x-content-type-options', (value) => value === 'nosniff', 'nosniff')
  expectOne('x-frame-options', (value) => value === 'DENY', 'DENY')
  expectOne('referrer-policy', (value) => value === expected.referrerPolicy, expected.referrerPolicy)
  if (expected.noStore) expectOne('cache-control', (value) => value === 'no-store', 'no-store')
  // Any cookie set on the way: HttpOnly, SameSite=Lax, Path=/ (PUBLIC_URL is http here: no Secure).
  for (const cookie of values(response, 'set-cookie').flatMap((value) => value.split('\n'))) {
    if (!/;\s*HttpOnly/i.test(cookie) || !/;\s*SameSite=Lax/i.test(cookie) || !/;\s*Path=\/(;|$)/i.test(cookie)) {
      problems.push(`${label}: cookie without HttpOnly, SameSite=Lax and Path=/: ${cookie.split('=')[0]}`)
    }
  }
  // Every script of an HTML page carries this response's nonce: nothing else may run.
  if ((values(response, 'content-type')[0] ?? '').startsWith('text/html')) {
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? '<none>'
    const html = await response.text()
    for (const [tag, attributes = ''] of html.matchAll(/<script\b([^>]*)>/g)) {
      if (!attributes.includes(`nonce="${nonce}"`)) problems.push(`${label}: a script without the response's nonce: ${tag.slice(0, 80)}`)
    }
    if (/\son[a-z]+\s*=\s*["']/i.test(html.replace(/<script\b[\s\S]*?<\/script>/g, ''))) problems.push(`${label}: an inline event handler attribute`)
  }
  return problems
}

/** Referrer-Policy and Cache-Control a path must answer with. */
function expectationsFor(pathname: string) {
  const oauthCallback = pathname === '/oauth/callback'
  return { referrerPolicy: oauthCallback ? 'no-referrer' : 'same-origin', noStore: oauthCallback }
}

async function cookieFor(userId: string, baseURL: string): Promise<string> {
  return (await createSession(new Request(baseURL), userId)).split(';')[0] ?? ''
}

test('every route answers with the security headers, anonymously and signed in, redirects and error pages included', async ({ request, baseURL }) => {
  const owner = await createUser({ name: 'Headers owner' })
  const member = await createUser({ name: 'Headers member' })
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  const server = await getDb().mcpServer.create({
    data: { workspaceId: owner.workspaceId, name: 'Headers demo', url: demo.url, timeoutMs: 5000 },
    select: { id: true },
  })
  const ids: Ids = { workspaceId: owner.workspaceId, serverId: server.id, userId: member.id, toolName: 'echo' }
  const ownerCookie = await cookieFor(owner.id, baseURL ?? '')

  const files = routeFiles()
  expect(files.length).toBeGreaterThan(20)
  const problems: string[] = []
  const statuses: string[] = []
  const paths = [...files.map((file) => pathOf(file, ids)), '/no-such-page', `/w/not-a-workspace/servers`, '/oauth/callback?state=x&code=y']
  for (const pathname of paths) {
    for (const [who, cookie] of [['anonymous', ''], ['owner', ownerCookie]] as const) {
      const response = await request.get(pathname, { headers: cookie ? { Cookie: cookie } : {}, maxRedirects: 0 })
      statuses.push(`${who} ${pathname} ${response.status()}`)
      problems.push(...(await problemsWith(`${who} GET ${pathname} (${response.status()})`, response, expectationsFor(new URL(pathname, baseURL).pathname))))
    }
  }
  expect(problems).toEqual([])
  // The sweep reached real pages, not only redirects to the sign-in page.
  expect(statuses.filter((line) => line.startsWith('owner') && line.endsWith(' 200')).length).toBeGreaterThan(10)
})

test('Connect’s redirect to the authorization server and the callback’s redirect back send no Referer and are never cached', async ({ request, baseURL }) => {
  const peer = await startOidcMcpServer()
  try {
    const owner = await createUser({ name: 'Headers OAuth' })
    const server = await getDb().mcpServer.create({
      data: { workspaceId: owner.workspaceId, name: 'Headers OAuth', url: peer.mcpUrl, authType: 'oauth', timeoutMs: 10_000 },
      select: { id: true },
    })
    const cookie = await cookieFor(owner.id, baseURL ?? '')
    const connect = await request.post(`/w/${owner.workspaceId}/servers/${server.id}/connect`, {
      form: { intent: 'connect' },
      headers: { Cookie: cookie, Origin: baseURL ?? '' },
      maxRedirects: 0,
    })
    expect(connect.status()).toBe(302)
    const authorizationUrl = connect.headers().location ?? ''
    expect(authorizationUrl.startsWith(`${peer.issuer}/`)).toBe(true)
    const problems = await problemsWith('Connect 302', connect, { referrerPolicy: 'no-referrer', noStore: true })

    const back = new URL(await peer.approveAuthorization(authorizationUrl))
    expect(back.origin).toBe(baseURL)
    const callback = await request.get(`${back.pathname}${back.search}`, { headers: { Cookie: cookie }, maxRedirects: 0 })
    expect(callback.status()).toBe(302)
    expect(callback.headers().location).toBe(`/w/${owner.workspaceId}/servers/${server.id}`)
    problems.push(...(await problemsWith('callback 302', callback, { referrerPolicy: 'no-referrer', noStore: true })))

    // A replay of the same callback URL: the error page, with the same private headers.
    const replay = await request.get(`${back.pathname}${back.search}`, { headers: { Cookie: cookie }, maxRedirects: 0 })
    expect(replay.status()).toBe(400)
    problems.push(...(await problemsWith('callback replay', replay, { referrerPolicy: 'no-referrer', noStore: true })))
    expect(problems).toEqual([])
  } finally {
    await peer.close()
  }
})
