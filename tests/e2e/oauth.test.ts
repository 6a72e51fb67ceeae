// The OAuth journeys in a real browser, with JavaScript and without: Connect from "Add server",
// consent at a real authorization server, Deny, Disconnect (revoked at the server), Reconnect after
// the refresh token was revoked, and step-up. Every test also scans what the browser received and
// the server log for the secrets it could observe (see SecretScan below).
import fs from 'node:fs'
import { type Page, type Response as PageResponse } from '@playwright/test'
import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { findRegistration } from '#app/oauth/store/registrations.server.ts'
import { decryptSecret } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { test as base, demo, expect, expectNoAxeViolations, waitForHydration } from '#tests/fixtures.ts'
import { startOidcMcpServer } from '#tests/servers/oidc-provider-server.ts'
import { startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'

const SERVER_LOG = process.env.E2E_SERVER_LOG ?? 'tests/.tmp/e2e.server.log'

/**
 * Collects every secret a test can observe (authorization codes and states from the callback URL,
 * PKCE verifiers, tokens and client secrets decrypted from the e2e database with the app's own
 * key, their ciphertexts, and tokens an in-process peer reports as issued) and every body the
 * browser received. At the end of the test none of those secrets may appear in a body or in the
 * server log.
 */
class SecretScan {
  readonly #appOrigin: string
  readonly #secrets = new Map<string, string>()
  readonly #bodies: Array<{ source: string; text: string; mayHoldState: boolean }> = []
  readonly #pending: Array<Promise<unknown>> = []
  readonly #workspaces = new Set<string>()
  readonly #peers: Array<{ stats: { validAccessTokens: ReadonlySet<string>; validRefreshTokens: ReadonlySet<string> } }> = []

  constructor(appOrigin: string) {
    this.#appOrigin = appOrigin
  }

  /** Stored OAuth rows of this workspace's servers are read after every app response. */
  track(workspaceId: string) {
    this.#workspaces.add(workspaceId)
  }

  /** Tokens this peer has issued (and not yet seen revoked or rotated) are read with every capture. */
  watchPeer(peer: { stats: { validAccessTokens: ReadonlySet<string>; validRefreshTokens: ReadonlySet<string> } }) {
    this.#peers.push(peer)
  }

  add(kind: string, value: string | null | undefined) {
    if (value) this.#secrets.set(value, kind)
  }

  kindsObserved(): Set<string> {
    return new Set(this.#secrets.values())
  }

  async attach(page: Page) {
    page.on('request', (request) => {
      const url = new URL(request.url())
      // The state travels in the authorization request; code and state come back to the callback.
      if (url.searchParams.has('code_challenge')) this.add('state', url.searchParams.get('state'))
      if (url.origin === this.#appOrigin && url.pathname === '/oauth/callback') {
        this.add('authorization code', url.searchParams.get('code'))
        this.add('state', url.searchParams.get('state'))
      }
    })
    page.on('response', (response) => this.#pending.push(this.#record(response)))
    page.on('domcontentloaded', () => {
      this.#pending.push(
        page.content().then(
          (html) => this.#bodies.push({ source: `DOM of ${page.url()}`, text: html, mayHoldState: false }),
          // The page navigated on meanwhile; its next load is recorded instead.
          () => undefined,
        ),
      )
    })
    // The PKCE verifier exists only between Connect and the callback, which an auto-approving
    // authorization server makes a matter of milliseconds: hold the Connect response until the
    // stored flow (with its verifier) has been read. The request and response pass unchanged.
    await page.route(
      (url) => url.origin === this.#appOrigin && /\/servers\/(new(\.data)?|[^/]+\/connect)$/.test(url.pathname),
      async (route) => {
        if (route.request().method() !== 'POST') return route.fallback()
        const response = await route.fetch({ maxRedirects: 0 })
        await this.capture()
        await route.fulfill({ response })
      },
    )
  }

  async #record(response: PageResponse) {
    const url = new URL(response.url())
    const type = response.headers()['content-type'] ?? ''
    const fromApp = url.origin === this.#appOrigin
    if (fromApp && ['document', 'fetch', 'xhr'].includes(response.request().resourceType())) await this.capture()
    const isText = type.startsWith('text/html') || (fromApp && /^(text\/|application\/json)/.test(type))
    if (!isText || (response.status() >= 300 && response.status() < 400)) return
    const text = await response.text().catch(() => null)
    // Single-fetch data for a Connect submission carries the authorization URL, state included (as
    // the Location header does without JavaScript); everything else must not hold a state either.
    if (text !== null) this.#bodies.push({ source: `${response.status()} ${url.href}`, text, mayHoldState: !type.startsWith('text/html') })
  }

  /** Reads the secrets stored for the tracked workspaces now (they rotate and get deleted). */
  async capture() {
    for (const peer of this.#peers) {
      for (const token of peer.stats.validAccessTokens) this.add('access token (issued by the peer)', token)
      for (const token of peer.stats.validRefreshTokens) this.add('refresh token (issued by the peer)', token)
    }
    if (this.#workspaces.size === 0) return
    const db = getDb()
    const serverIds = (
      await db.mcpServer.findMany({ where: { workspaceId: { in: [...this.#workspaces] } }, select: { id: true } })
    ).map((server) => server.id)
    const where = { serverId: { in: serverIds } }
    const [connections, flows, registrations] = await Promise.all([
      db.oAuthConnection.findMany({ where, select: { id: true, accessToken: true, refreshToken: true } }),
      db.oAuthFlow.findMany({ where, select: { id: true, codeVerifier: true } }),
      db.oAuthClientRegistration.findMany({ where, select: { id: true, clientSecret: true } }),
    ])
    for (const row of connections) {
      this.#addEncrypted('access token', row.accessToken, 'OAuthConnection', 'accessToken', row.id)
      this.#addEncrypted('refresh token', row.refreshToken, 'OAuthConnection', 'refreshToken', row.id)
    }
    for (const row of flows) this.#addEncrypted('PKCE verifier', row.codeVerifier, 'OAuthFlow', 'codeVerifier', row.id)
    for (const row of registrations) {
      this.#addEncrypted('client secret', row.clientSecret, 'OAuthClientRegistration', 'clientSecret', row.id)
    }
  }

  #addEncrypted(kind: string, ciphertext: string | null, table: string, column: string, rowId: string) {
    if (!ciphertext) return
    this.add(`${kind} (ciphertext)`, ciphertext)
    const plain = decryptSecret(ciphertext, { table, column, rowId })
    if (plain.ok) this.add(kind, plain.value)
  }

  /** Fails with every place a secret turned up. */
  async verify() {
    while (this.#pending.length > 0) await Promise.all(this.#pending.splice(0))
    await this.capture()
    const log = fs.readFileSync(SERVER_LOG, 'utf8')
    const leaks: string[] = []
    for (const [value, kind] of this.#secrets) {
      if (log.includes(value)) leaks.push(`${kind} in the server log`)
      for (const body of this.#bodies) {
        if (kind === 'state' && body.mayHoldState) continue
        if (body.text.includes(value)) leaks.push(`${kind} in ${body.source}`)
      }
    }
    expect(leaks, `secrets found (${this.#secrets.size} watched in ${this.#bodies.length} bodies and the log)`).toEqual([])
  }
}

const test = base.extend<{ scan: SecretScan }>({
  scan: [
    async ({ page, baseURL }, use) => {
      const scan = new SecretScan(new URL(baseURL ?? '').origin)
      await scan.attach(page)
      await use(scan)
      await scan.verify()
    },
    { auto: true },
  ],
})

// Each journey goes through an authorization server and back, some twice, with a few axe scans.
test.describe.configure({ timeout: 60_000 })

// ---------------------------------------------------------------------------------------------

type Navigate = (path: string) => Promise<void>

async function addServer(page: Page, navigate: Navigate, workspaceId: string, name: string, url: string) {
  await navigate(`/w/${workspaceId}/servers/new`)
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('MCP endpoint URL').fill(url)
  await page.getByRole('button', { name: 'Add server' }).click()
}

/** A sign-in or consent page of an oidc-provider peer. */
function interactionPage(issuer: string): RegExp {
  return new RegExp(`^${escapeRegExp(issuer)}/interaction/[^/?]+$`)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** On the sign-in page of an oidc-provider peer (the demo's or one started here): sign in, then allow. */
async function signInAndAllow(page: Page, issuer: string, expectedLogin: string) {
  await expect(page).toHaveURL(interactionPage(issuer))
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible()
  await expect(page.getByLabel('Name')).toHaveValue(expectedLogin)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await allow(page)
}

async function allow(page: Page) {
  await expect(page.getByRole('heading', { level: 1, name: 'Allow access?' })).toBeVisible()
  await page.getByRole('button', { name: 'Allow' }).click()
}

/** Back in Switchboard after a full page load: with JavaScript on, wait until clicks go through Remix. */
async function backInApp(page: Page, javaScriptEnabled: boolean, path: RegExp) {
  await expect(page).toHaveURL(path)
  if (javaScriptEnabled) await waitForHydration(page)
}

/** The app URL of `path`, with any query string. */
function atPath(path: string): RegExp {
  return new RegExp(`^[^?]*${escapeRegExp(path)}(\\?.*)?$`)
}

function serverIdOf(page: Page): string {
  return /\/servers\/([^/?]+)/.exec(new URL(page.url()).pathname)?.[1] ?? ''
}

function connectionPanel(page: Page) {
  return page.getByRole('region', { name: 'Your OAuth connection' })
}

/** The `<dd>` after the `<dt>` named `term`. */
function detail(page: Page, term: string) {
  return connectionPanel(page).locator(`xpath=.//dt[normalize-space()="${term}"]/following-sibling::dd[1]`)
}

async function runEcho(page: Page, message: string) {
  await page.getByLabel('message').fill(message)
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByRole('region', { name: 'Result' })).toContainText(message)
}

/** The client Switchboard registered (DCR) at the server's authorization server, read with the app's own key. */
async function registeredClient(serverId: string) {
  const row = await getDb().oAuthClientRegistration.findFirst({ where: { serverId }, select: { issuer: true, redirectUri: true } })
  const registration = row ? await findRegistration(serverId, row.issuer, row.redirectUri) : null
  if (!registration?.clientSecret) throw new Error('No confidential client registration stored for the server')
  expect(registration.tokenEndpointAuthMethod).toBe('client_secret_basic')
  return { clientId: registration.clientId, clientSecret: registration.clientSecret }
}

/**
 * POSTs `form` to an oidc-provider endpoint (RFC 7009 revocation, RFC 7662 introspection) as the
 * client Switchboard registered, with HTTP Basic (credentials form-encoded first, RFC 6749 §2.3.1).
 */
async function asClient(
  issuer: string,
  endpoint: 'revocation_endpoint' | 'introspection_endpoint',
  client: { clientId: string; clientSecret: string },
  form: Record<string, string>,
) {
  const metadata: Record<string, unknown> = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()
  const url = metadata[endpoint]
  if (typeof url !== 'string') throw new Error(`${issuer} advertises no ${endpoint}`)
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+')
  const basic = Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret)}`).toString('base64')
  return fetch(url, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  })
}

async function isActiveAt(issuer: string, client: { clientId: string; clientSecret: string }, refreshToken: string) {
  const response = await asClient(issuer, 'introspection_endpoint', client, { token: refreshToken, token_type_hint: 'refresh_token' })
  expect(response.status).toBe(200)
  const body: { active?: unknown } = await response.json()
  return body.active === true
}

const ALL_SECRET_KINDS = ['state', 'authorization code', 'PKCE verifier', 'access token', 'refresh token', 'client secret']

/** The scan at the end of the test only means something if it saw these. */
async function expectObserved(scan: SecretScan, kinds: string[]) {
  await scan.capture()
  expect([...scan.kindsObserved()]).toEqual(expect.arrayContaining(kinds))
}

// ---------------------------------------------------------------------------------------------

test('adding the OAuth demo server leads straight to its sign-in; after Allow the server page says Connected and its tools run', async ({
  page,
  login,
  navigate,
  scan,
  javaScriptEnabled,
}) => {
  const user = await login({ name: 'Ada' })
  scan.track(user.workspaceId)
  const added = page.waitForResponse(
    (response) => response.request().method() === 'POST' && /\/servers\/new(\.data)?$/.test(new URL(response.url()).pathname),
  )
  await addServer(page, navigate, user.workspaceId, 'Demo OAuth', demo.oauthUrl)

  // The probe found OAuth, so "Add server" answered with a redirect to the authorization server
  // (without JavaScript a 302; with it, Remix's single-fetch redirect, which the page follows).
  const addResponse = await added
  if (!javaScriptEnabled) {
    expect(addResponse.status()).toBe(302)
    expect(addResponse.headers().location).toMatch(new RegExp(`^${escapeRegExp(demo.oauthIssuer)}/`))
  }
  await signInAndAllow(page, demo.oauthIssuer, 'demo-user')

  await backInApp(page, javaScriptEnabled, /\/w\/[^/]+\/servers\/[^/?]+$/)
  await expect(page.getByRole('heading', { level: 1, name: 'Demo OAuth' })).toBeVisible()
  await expect(page.getByRole('status')).toContainText('Connected to Demo OAuth.')
  await expect(page.locator('xpath=//dt[normalize-space()="Authentication"]/following-sibling::dd[1]')).toHaveText(
    'OAuth (each person connects) (detected)',
  )
  const panel = connectionPanel(page)
  // One status: the page header says what the panel says (it said "Needs OAuth" here before).
  await expect(panel.locator('.badge')).toHaveText('Connected')
  await expect(page.locator('#server-status')).toHaveText('Connected')
  await expect(detail(page, 'Granted scopes')).toContainText('mcp:tools')
  await expect(detail(page, 'Authorization server')).toHaveText(demo.oauthIssuer)
  await expect(detail(page, 'Client identity')).toHaveText('Dynamic Client Registration')
  await expect(panel.getByRole('button', { name: 'Reconnect' })).toBeVisible()
  await expect(panel.getByRole('link', { name: 'Disconnect' })).toBeVisible()
  // The admin's OAuth settings are folded under Advanced; opening it shows them.
  const advanced = page.locator('details', { has: page.getByRole('heading', { level: 2, name: 'Advanced' }) })
  await expect(advanced).not.toHaveAttribute('open')
  await expect(page.getByLabel('Client ID')).toBeHidden()
  await expectNoAxeViolations(page)
  await advanced.locator('summary').click()
  await expect(page.getByLabel('Client ID')).toBeVisible()
  await expect(page.getByRole('heading', { level: 3, name: 'Rule exceptions' })).toBeVisible()
  await expectNoAxeViolations(page)
  // A refused form inside stays in view: Advanced is open on the answer (without JavaScript, a new page).
  await page.getByLabel('Scopes to request').fill('a "quoted" scope')
  await page.getByRole('button', { name: 'Save scopes' }).click()
  await expect(page.getByText('Scopes are separated by spaces and use no quotes or backslashes')).toBeVisible()
  await expect(advanced).toHaveAttribute('open', '')

  await page.getByRole('link', { name: 'Browse tools' }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'Demo OAuth' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Add two numbers' })).toBeVisible()
  await page.getByRole('link', { name: 'Echo' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Echo' })).toBeVisible()
  await runEcho(page, 'hello through OAuth')

  await expectObserved(scan, ALL_SECRET_KINDS)
})

test('denying at the consent page ends on a page that says access was not granted, links back, and connects nothing', async ({
  page,
  login,
  navigate,
  scan,
  baseURL,
}) => {
  const user = await login()
  scan.track(user.workspaceId)
  await addServer(page, navigate, user.workspaceId, 'Denied demo', demo.oauthUrl)
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible()
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Allow access?' })).toBeVisible()
  const callback = page.waitForResponse((response) => response.url().startsWith(`${baseURL}/oauth/callback`))
  await page.getByRole('button', { name: 'Deny' }).click()

  const response = await callback
  expect(response.status()).toBeGreaterThanOrEqual(400)
  expect(response.status()).toBeLessThan(500)
  expect(response.headers()['cache-control']).toBe('no-store')
  // With several policies the last one a browser knows wins (W3C Referrer Policy §11.1).
  expect(response.headers()['referrer-policy']?.split(/[\s,]+/).at(-1)).toBe('no-referrer')
  await expect(page.getByRole('heading', { level: 1, name: 'Could not connect' })).toBeVisible()
  await expect(page.getByRole('alert')).toContainText('Access was not granted')
  await expectNoAxeViolations(page)

  await page.getByRole('link', { name: 'Back to the server' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Denied demo' })).toBeVisible()
  const panel = connectionPanel(page)
  await expect(panel.locator('.badge')).toHaveText('Needs sign-in')
  await expect(page.locator('#server-status')).toHaveText('Needs sign-in')
  await expect(panel.getByRole('button', { name: 'Connect' })).toBeVisible()
  await expect(panel.getByRole('link', { name: 'Disconnect' })).toHaveCount(0)
  const serverId = serverIdOf(page)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)
  // The attempt was used up by the callback: the same state cannot be replayed.
  expect(await getDb().oAuthFlow.count({ where: { serverId } })).toBe(0)
  await expectObserved(scan, ['state', 'PKCE verifier', 'client secret'])
})

test('Disconnect revokes the grant at the authorization server; Connect on the Tools page signs in again and returns there', async ({
  page,
  login,
  navigate,
  scan,
  javaScriptEnabled,
}) => {
  const user = await login()
  scan.track(user.workspaceId)
  await addServer(page, navigate, user.workspaceId, 'Revoked demo', demo.oauthUrl)
  await signInAndAllow(page, demo.oauthIssuer, 'demo-user')
  await backInApp(page, javaScriptEnabled, /\/servers\/[^/?]+$/)
  await expect(connectionPanel(page).locator('.badge')).toHaveText('Connected')

  const serverId = serverIdOf(page)
  const client = await registeredClient(serverId)
  const refreshToken = (await getConnectionWithTokens(serverId, user.id))?.refreshToken
  if (!refreshToken) throw new Error('The connection holds no refresh token')
  expect(await isActiveAt(demo.oauthIssuer, client, refreshToken)).toBe(true)

  // Disconnect asks on its own page (no checkbox squeezed between the buttons); Cancel changes nothing.
  await connectionPanel(page).getByRole('link', { name: 'Disconnect' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Disconnect from Revoked demo?' })).toBeVisible()
  await expectNoAxeViolations(page)
  await page.getByRole('link', { name: 'Cancel' }).click()
  await expect(connectionPanel(page).locator('.badge')).toHaveText('Connected')
  await connectionPanel(page).getByRole('link', { name: 'Disconnect' }).click()
  await page.getByRole('button', { name: 'Disconnect' }).click()
  await expect(page.getByRole('status')).toContainText(
    'Disconnected from Revoked demo and revoked access at its authorization server.',
  )
  const panel = connectionPanel(page)
  await expect(panel.locator('.badge')).toHaveText('Needs sign-in')
  await expect(panel.getByRole('button', { name: 'Connect' })).toBeVisible()
  expect(await isActiveAt(demo.oauthIssuer, client, refreshToken)).toBe(false)
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(0)

  await page.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link', { name: 'Tools', exact: true }).click()
  const section = page.getByRole('region', { name: 'Revoked demo' })
  // Not connected is a state with its way on (a neutral callout with Connect), not an error.
  await expect(section.getByText('Needs sign-in')).toBeVisible()
  await expect(section.getByRole('alert')).toHaveCount(0)
  await expect(section.locator('.callout-info')).toBeVisible()
  await expect(section.getByRole('link', { name: 'Echo' })).toHaveCount(0)
  await section.getByRole('button', { name: 'Connect' }).click()
  // The authorization server still knows this browser, so only the consent page is shown again.
  await expect(page).toHaveURL(interactionPage(demo.oauthIssuer))
  await allow(page)

  await backInApp(page, javaScriptEnabled, atPath(`/w/${user.workspaceId}/tools`))
  // The Tools page has a status of its own (the search's count): the flash is the one that says it.
  await expect(page.getByRole('status').filter({ hasText: 'Connected to Revoked demo.' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Revoked demo' }).getByRole('link', { name: 'Echo' })).toBeVisible()
  await expectObserved(scan, ALL_SECRET_KINDS)
})

test('after the refresh token is revoked at the authorization server, the tool page offers a one-click Reconnect that restores the connection', async ({
  page,
  login,
  navigate,
  scan,
  javaScriptEnabled,
}) => {
  // oidc-provider in this process, with 10 s access tokens. Switchboard refreshes one when less than
  // a third of its lifetime is left, so the test makes the stored token look expired before each
  // use that must refresh. (Not 1 s: on a loaded machine a token could expire between issue and use.)
  const peer = await startOidcMcpServer({ accessTokenTtlSeconds: 10 })
  const expireStoredToken = (serverId: string) =>
    getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  try {
    const user = await login()
    scan.track(user.workspaceId)
    await addServer(page, navigate, user.workspaceId, 'Short-lived', peer.mcpUrl)
    await signInAndAllow(page, peer.issuer, 'test-user')
    await backInApp(page, javaScriptEnabled, /\/servers\/[^/?]+$/)
    await expect(connectionPanel(page).locator('.badge')).toHaveText('Connected')
    const serverId = serverIdOf(page)
    const toolPath = `/w/${user.workspaceId}/servers/${serverId}/tools/echo`

    await expireStoredToken(serverId)
    await navigate(toolPath)
    await runEcho(page, 'before the revocation')
    expect(peer.stats.tokenRequests.refresh_token ?? 0).toBeGreaterThan(0)

    // Someone revokes Switchboard's refresh token at the authorization server (RFC 7009), e.g. from
    // their account page there. The token and client credentials are read with the app's own key.
    const refreshToken = (await getConnectionWithTokens(serverId, user.id))?.refreshToken
    if (!refreshToken) throw new Error('The connection holds no refresh token')
    const revoked = await asClient(peer.issuer, 'revocation_endpoint', await registeredClient(serverId), {
      token: refreshToken,
      token_type_hint: 'refresh_token',
    })
    expect(revoked.status).toBe(200)
    expect(peer.stats.revocations.refreshToken).toBe(1)

    await expireStoredToken(serverId)
    await navigate(toolPath)
    const callout = page.getByRole('alert')
    await expect(callout).toContainText('Your sign-in to Short-lived is no longer valid')
    expect(peer.stats.tokenErrors.invalid_grant ?? 0).toBeGreaterThan(0)
    await expect(page.getByRole('button', { name: 'Run tool' })).toHaveCount(0)
    // One click: a form with nothing to fill in.
    await expect(callout.locator('form')).toHaveCount(1)
    await expect(callout.locator('form').locator('input:not([type=hidden]), select, textarea')).toHaveCount(0)
    await callout.getByRole('button', { name: 'Reconnect' }).click()
    await expect(page).toHaveURL(interactionPage(peer.issuer))
    await allow(page)

    await backInApp(page, javaScriptEnabled, atPath(toolPath))
    await expect(page.getByRole('status')).toContainText('Connected to Short-lived.')
    await runEcho(page, 'after reconnecting')
    await expectObserved(scan, ALL_SECRET_KINDS)
  } finally {
    await peer.close()
  }
})

test('a tool that needs a bigger scope offers "Grant more access"; after re-authorizing, the tool runs', async ({
  page,
  login,
  navigate,
  scan,
  javaScriptEnabled,
}) => {
  // The SDK's authorization server approves at once; create_ticket needs tickets:write on top of mcp:tools.
  const peer = await startSdkAuthServer({ toolScopes: { create_ticket: 'tickets:write' } })
  scan.watchPeer(peer)
  try {
    const user = await login()
    scan.track(user.workspaceId)
    await addServer(page, navigate, user.workspaceId, 'Tickets', peer.mcpUrl)
    await backInApp(page, javaScriptEnabled, /\/servers\/[^/?]+$/)
    await expect(page.getByRole('status')).toContainText('Connected to Tickets.')
    await expect(detail(page, 'Granted scopes')).toHaveText('mcp:tools')
    const serverId = serverIdOf(page)
    const toolPath = `/w/${user.workspaceId}/servers/${serverId}/tools/create_ticket`

    await navigate(toolPath)
    await page.getByLabel('title').fill('Printer on fire')
    await page.getByRole('button', { name: 'Run tool' }).click()
    const result = page.getByRole('region', { name: 'Result' })
    // The message names the tool and only the scope it is missing.
    await expect(result.getByRole('alert')).toContainText('The tool “create_ticket” needs access you have not granted')
    await expect(result.getByRole('alert')).toContainText(': tickets:write.')
    expect(peer.stats.mcp.insufficientScope).toBeGreaterThan(0)
    await result.getByRole('button', { name: 'Grant more access' }).click()

    await backInApp(page, javaScriptEnabled, atPath(toolPath))
    await expect(page.getByRole('status')).toContainText('Connected to Tickets.')
    if ((await result.count()) === 0) {
      // NOTE: not re-run automatically (yet): run it again by hand.
      test.info().annotations.push({ type: 'step-up', description: 'the tool ran after pressing Run again' })
      await page.getByLabel('title').fill('Printer on fire')
      await page.getByRole('button', { name: 'Run tool' }).click()
    } else {
      test.info().annotations.push({ type: 'step-up', description: 'the tool re-ran automatically after the round trip' })
    }
    await expect(result).toContainText('Created ticket')
    await expect(result).toContainText('Printer on fire')
    // Reloading the page the round trip ended on must not run the tool (create a ticket) again.
    const toolCalls = peer.stats.mcp.toolCalls
    await page.reload()
    await expect(page.getByRole('heading', { level: 1, name: 'Create a ticket' })).toBeVisible()
    expect(peer.stats.mcp.toolCalls).toBe(toolCalls)

    await navigate(`/w/${user.workspaceId}/servers/${serverId}`)
    await expect(detail(page, 'Granted scopes')).toContainText('tickets:write')
    await expectObserved(scan, [...ALL_SECRET_KINDS, 'access token (issued by the peer)', 'refresh token (issued by the peer)'])
  } finally {
    await peer.close()
  }
})
