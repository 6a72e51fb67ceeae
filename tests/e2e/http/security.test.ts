// HTTP-level checks against the real production server. They do not involve a page, so they
// run once (js-on project only; see tests/playwright.config.ts).
import { getDb } from '#app/utils/db.server.ts'
import { expect, test, uniqueEmail } from '#tests/fixtures.ts'

test('every kind of response carries the security headers, with a fresh CSP nonce each time', async ({ request }) => {
  const nonces = new Set<string>()
  for (const path of ['/', '/login', '/healthz', '/favicon.svg', '/no-such-page']) {
    const response = await request.get(path)
    const headers = response.headers()
    const csp = headers['content-security-policy'] ?? ''
    expect(csp, path).toContain("frame-ancestors 'none'")
    expect(csp, path).toContain("object-src 'none'")
    expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'(;|$)/)
    expect(csp, path).not.toContain('unsafe-inline')
    expect(headers['x-content-type-options'], path).toBe('nosniff')
    expect(headers['referrer-policy'], path).toBe('same-origin')
    expect(headers['x-frame-options'], path).toBe('DENY')
    expect(headers['x-request-id'], path).toMatch(/^[0-9a-f-]{36}$/)
    nonces.add(/'nonce-([^']+)'/.exec(csp)?.[1] ?? '')
  }
  expect(nonces.size).toBe(5)
})

test('the OAuth callback answers never cached and with no Referer, each header once', async ({ request }) => {
  // Not signed in: the 401 page. The query (a code and a state) must not leak anywhere.
  const response = await request.get('/oauth/callback?code=zq9-code-value-7x&state=zq9-state-value-7x', { maxRedirects: 0 })
  expect(response.status()).toBe(401)
  const all = response.headersArray()
  expect(all.filter((h) => h.name.toLowerCase() === 'referrer-policy').map((h) => h.value)).toEqual(['no-referrer'])
  expect(all.filter((h) => h.name.toLowerCase() === 'cache-control').map((h) => h.value)).toEqual(['no-store'])
  expect(await response.text()).not.toContain('zq9-')
})

test('every script in a page carries the response nonce', async ({ request }) => {
  const response = await request.get('/signup')
  const nonce = /'nonce-([^']+)'/.exec(response.headers()['content-security-policy'] ?? '')?.[1]
  const html = await response.text()
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? '')
  expect(scripts.length).toBeGreaterThan(0)
  for (const attributes of scripts) expect(attributes).toContain(`nonce="${nonce}"`)
})

test('a POST from another site, or one that names no origin, is refused and changes nothing', async ({ request, baseURL }) => {
  const email = uniqueEmail('csrf')
  const form = { name: 'Mallory', email, password: 'a long enough password' }
  const foreign = await request.post('/signup', { form, headers: { Origin: 'https://evil.example' }, maxRedirects: 0 })
  expect(foreign.status()).toBe(403)
  expect(await foreign.text()).toContain('https://evil.example')
  const opaque = await request.post('/signup', { form, headers: { Origin: 'null' }, maxRedirects: 0 })
  expect(opaque.status()).toBe(403)
  const anonymous = await request.post('/signup', { form, maxRedirects: 0 })
  expect(anonymous.status()).toBe(403)
  expect(await getDb().user.count({ where: { email } })).toBe(0)

  const same = await request.post('/signup', { form, headers: { Origin: baseURL ?? '' }, maxRedirects: 0 })
  expect(same.status()).toBe(302)
  const cookie = same.headers()['set-cookie'] ?? ''
  expect(cookie).toMatch(/sb_session=[^;]+;.*HttpOnly/i)
  expect(cookie).toMatch(/SameSite=Lax/i)
  expect(await getDb().user.count({ where: { email } })).toBe(1)
})

test('the health route answers without a session and reveals nothing else', async ({ request }) => {
  const response = await request.get('/healthz')
  expect(response.status()).toBe(200)
  expect(await response.text()).toBe('ok\n')
  expect(response.headers()['cache-control']).toBe('no-store')
})

test('agents reach the MCP endpoints without an Origin (the cross-site rule is for browser forms), browsers from elsewhere do not', async ({ request }) => {
  const body = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } } }
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }
  // Playwright's request context sends no Origin: the gateway answers (no token: 401), not the cross-site check (403).
  const agent = await request.post('/mcp/some-workspace', { headers, data: body })
  expect(agent.status()).toBe(401)
  const foreign = await request.post('/mcp/some-workspace', { headers: { ...headers, Origin: 'http://evil.example' }, data: body })
  expect(foreign.status()).toBe(403)
  expect(await foreign.text()).toMatch(/other web origins/)
})
