// Adding a server, in a real browser with JavaScript and without (issue 9, points 7 and 8): a
// server that only answers 401 "needs credentials" and the form asks which kind (a header, or
// OAuth as an MCP 2025-03-26 server); the Advanced section adds a pre-registered client, and
// without one an authorization server that cannot register Switchboard sends the admin to the
// client fields with the reason.
import type { Page } from '@playwright/test'
import { getDb } from '#app/utils/db.server.ts'
import { expect, expectNoAxeViolations, test, waitForHydration } from '#tests/fixtures.ts'
import { startPreregisteredServer } from '#tests/servers/preregistered-server.ts'
import { startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'

// axe takes a while on two cores, more without JavaScript.
test.describe.configure({ timeout: 90_000 })

const CLIENT_ID = 'switchboard-e2e-advanced'
const CLIENT_SECRET = 'e2e-advanced-s3cret'

/** An MCP server that answers 401 and nothing else: no challenge, no metadata (OAuth only at the default paths). */
function startSilentServer() {
  return startSdkAuthServer({ protectedResourceMetadata: false, authorizationServerMetadata: false, bearerChallenge: false })
}

async function fillAddForm(page: Page, name: string, url: string) {
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('MCP endpoint URL').fill(url)
}

/** Waits for the app page at `path` (and for hydration with JavaScript). */
async function backInApp(page: Page, javaScriptEnabled: boolean, path: RegExp) {
  await expect(page).toHaveURL(path)
  if (javaScriptEnabled) await waitForHydration(page)
}

function serverIdOf(page: Page): string {
  return /\/servers\/([^/?#]+)/.exec(new URL(page.url()).pathname)?.[1] ?? ''
}

test('a server that only answers 401 needs credentials: the add form asks which kind, and OAuth signs in as an MCP 2025-03-26 server', async ({
  page,
  login,
  navigate,
  javaScriptEnabled,
}) => {
  const peer = await startSilentServer()
  try {
    const user = await login()
    await navigate(`/w/${user.workspaceId}/servers/new`)
    await fillAddForm(page, 'Quiet', peer.mcpUrl)
    await page.getByRole('button', { name: 'Add server' }).click()

    const choice = page.getByRole('group', { name: /asks for credentials but doesn’t say which kind/ })
    await expect(choice).toBeVisible()
    await expect(choice).toContainText('Choose one of the two, then press Add server again.')
    await expectNoAxeViolations(page)
    await choice.getByLabel('Sign in with OAuth (MCP 2025-03-26 server)').check()
    await page.getByRole('button', { name: 'Add server' }).click()

    // The peer approves at once: straight back on the server page, connected.
    await backInApp(page, javaScriptEnabled, /\/servers\/[^/?]+$/)
    await expect(page.getByRole('status')).toContainText('Connected to Quiet.')
    const server = await getDb().mcpServer.findUniqueOrThrow({
      where: { id: serverIdOf(page) },
      select: { authType: true, oauthClient: { select: { exceptions: true } }, probe: { select: { outcome: true } } },
    })
    expect(server).toEqual({ authType: 'oauth', oauthClient: { exceptions: 'legacy_discovery' }, probe: { outcome: 'credentials_required' } })
    await expect(page.locator('#server-status')).toHaveText('Connected')
    // The rule exceptions are under Advanced.
    await page.getByRole('heading', { level: 2, name: 'Advanced' }).click()
    const exception = page.getByRole('listitem').filter({ hasText: 'MCP 2025-03-26 discovery' }).filter({ hasText: 'For servers without' })
    await expect(exception).toContainText('in force')
  } finally {
    await peer.close()
  }
})

test('choosing a header for such a server lands on its Headers section, and Edit offers the same choice', async ({ page, login, navigate, javaScriptEnabled }) => {
  const peer = await startSilentServer()
  try {
    const user = await login()
    await navigate(`/w/${user.workspaceId}/servers/new`)
    await fillAddForm(page, 'Keyless', peer.mcpUrl)
    await page.getByRole('button', { name: 'Add server' }).click()
    await page.getByLabel('An API key or other header').check()
    await page.getByRole('button', { name: 'Add server' }).click()

    await backInApp(page, javaScriptEnabled, /\/servers\/[^/?#]+#headers-heading$/)
    await expect(page.getByRole('status')).toContainText('Added Keyless. Add the header it expects below')
    await expect(page.getByLabel('Header name')).toBeVisible()

    await page.getByRole('link', { name: 'Edit' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Edit Keyless' })).toBeVisible()
    if (javaScriptEnabled) await waitForHydration(page)
    const choice = page.getByRole('group', { name: /asks for credentials/ })
    await expect(choice.getByLabel('An API key or other header')).toBeChecked()
    await expectNoAxeViolations(page)
    await choice.getByLabel('Sign in with OAuth (MCP 2025-03-26 server)').check()
    await page.getByRole('button', { name: 'Save changes' }).click()
    await expect(page.getByRole('status')).toContainText('It uses OAuth as an MCP 2025-03-26 server')
    await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeVisible()
  } finally {
    await peer.close()
  }
})

test('the Advanced section adds a server with a pre-registered client, and Connect signs in with it', async ({ page, login, navigate, baseURL, javaScriptEnabled }) => {
  const peer = await startPreregisteredServer({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${baseURL}/oauth/callback`] })
  try {
    const user = await login()
    await navigate(`/w/${user.workspaceId}/servers/new`)
    await fillAddForm(page, 'Registered', peer.mcpUrl)
    await page.getByText('Advanced: OAuth client and scopes').click()
    await page.getByLabel('Client ID').fill(CLIENT_ID)
    await page.getByLabel('Client secret').fill(CLIENT_SECRET)
    await page.getByLabel('Token endpoint authentication').selectOption('client_secret_basic')
    await page.getByLabel('Scopes to request').fill('mcp:tools')
    await expectNoAxeViolations(page)
    await page.getByRole('button', { name: 'Add server' }).click()

    await backInApp(page, javaScriptEnabled, /\/servers\/[^/?]+$/)
    await expect(page.getByRole('status')).toContainText('Connected to Registered.')
    expect(peer.stats.registrationRequests).toBe(0)
    expect(await page.content()).not.toContain(CLIENT_SECRET)
    await expect(page.getByLabel('Client ID')).toHaveValue(CLIENT_ID)
  } finally {
    await peer.close()
  }
})

test('a bad field in the Advanced section is refused next to it, and the secret is never sent back', async ({ page, login, navigate, javaScriptEnabled }) => {
  const user = await login()
  await navigate(`/w/${user.workspaceId}/servers/new`)
  await fillAddForm(page, 'Half a client', 'http://127.0.0.1:9/mcp')
  await page.getByText('Advanced: OAuth client and scopes').click()
  await page.getByLabel('Client ID').fill(CLIENT_ID)
  await page.getByLabel('Client secret').fill(CLIENT_SECRET)
  await page.getByLabel('Scopes to request').fill('a "quoted" scope')
  await page.getByRole('button', { name: 'Add server' }).click()
  await expect(page.getByText('Scopes are separated by spaces and use no quotes or backslashes')).toBeVisible()
  // The section stays open on its error; the server never puts the secret back (with JavaScript the
  // page is not reloaded, so the browser keeps what was typed).
  if (!javaScriptEnabled) await expect(page.getByLabel('Client secret')).toHaveValue('')
  expect(await page.content()).not.toContain(CLIENT_SECRET)
  await expectNoAxeViolations(page)
})

test('without a client, a server whose authorization server cannot register Switchboard lands on the client fields with the reason', async ({
  page,
  login,
  navigate,
  baseURL,
  javaScriptEnabled,
}) => {
  const peer = await startPreregisteredServer({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${baseURL}/oauth/callback`] })
  try {
    const user = await login()
    await navigate(`/w/${user.workspaceId}/servers/new`)
    await fillAddForm(page, 'Closed', peer.mcpUrl)
    await page.getByRole('button', { name: 'Add server' }).click()

    await backInApp(page, javaScriptEnabled, /\/servers\/[^/?]+\?client=needed$/)
    await expect(page.getByRole('status')).toContainText('needs a client registered by an admin')
    await expect(page.getByText('Switchboard cannot identify itself to this server’s authorization server')).toBeVisible()
    await expect(page.getByLabel('Client ID')).toBeFocused()
    expect(peer.stats.authorizationRequests).toBe(0)
    await expectNoAxeViolations(page)

    await page.getByLabel('Client ID').fill(CLIENT_ID)
    await page.getByLabel('Client secret').fill(CLIENT_SECRET)
    await page.getByRole('button', { name: 'Save client' }).click()
    await expect(page.getByRole('status')).toContainText('Saved the OAuth client.')
    await page.getByRole('button', { name: 'Connect', exact: true }).click()
    await backInApp(page, javaScriptEnabled, /\/servers\/[^/?]+$/)
    await expect(page.getByRole('status')).toContainText('Connected to Closed.')
  } finally {
    await peer.close()
  }
})
