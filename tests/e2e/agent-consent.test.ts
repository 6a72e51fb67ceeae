import http from 'node:http'
import { createUser, expect, expectNoAxeViolations, test } from '#tests/fixtures.ts'
import { authorizationUrl, createPkce, exchangeCode, registerAgent } from '#tests/support/agent-pkce.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'

// An agent asks to use a workspace's MCP endpoint (Switchboard's own authorization server, ADR 033): a real OAuth
// client in the test process registers (DCR) and builds the authorization URL (PKCE by hand); the person's browser
// opens it, sees the consent page, and Allow or Deny sends it back to the app's redirect URI (a tiny server here).

type AppCallback = { url: string; seen: URLSearchParams[]; close: () => Promise<void> }

async function startAppCallback(): Promise<AppCallback> {
  const seen: URLSearchParams[] = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    // The browser also asks for /favicon.ico.
    if (url.pathname === '/callback') seen.push(url.searchParams)
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><html lang="en"><title>Agent</title><h1>Back in the agent</h1></html>')
  })
  const origin = await listenOnLoopback(server)
  return { url: `${origin}/callback`, seen, close: () => closeServer(server) }
}

let appCallback: AppCallback
test.beforeEach(async () => {
  appCallback = await startAppCallback()
})
test.afterEach(async () => {
  await appCallback?.close()
})

async function agentAuthorization(baseURL: string, workspaceId: string) {
  const agent = await registerAgent(fetch, baseURL, { redirectUri: appCallback.url, clientName: 'Test Agent' })
  const pkce = createPkce()
  return { agent, pkce, url: authorizationUrl(baseURL, agent, pkce, `${baseURL}/mcp/${workspaceId}`, 'state-e2e').href }
}

test('Allow sends the agent back with a code and iss, and the code buys a token', async ({ page, login, baseURL }) => {
  const user = await login({ name: 'Consent Person' })
  const { agent, pkce, url } = await agentAuthorization(baseURL ?? '', user.workspaceId)
  await page.goto(url)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Allow Test Agent to use .+\?$/)
  await expect(page.getByText('Registered itself, unverified')).toBeVisible()
  await expect(page.getByText('127.0.0.1:', { exact: false }).first()).toBeVisible()
  await expect(page.getByText(/servers as you, with your own sign-ins/)).toBeVisible()
  await expectNoAxeViolations(page)

  await page.getByRole('button', { name: 'Allow' }).click()
  await expect(page.getByRole('heading', { name: 'Back in the agent' })).toBeVisible()
  const query = appCallback.seen.at(-1)
  expect(query?.get('iss')).toBe(baseURL)
  expect(query?.get('state')).toBe('state-e2e')
  const code = query?.get('code') ?? ''
  expect(code).not.toBe('')
  const tokens = await exchangeCode(fetch, baseURL ?? '', agent, code, pkce.verifier)
  expect(tokens.status).toBe(200)
})

test('Deny sends the agent back with access_denied', async ({ page, login, baseURL }) => {
  const user = await login()
  const { url } = await agentAuthorization(baseURL ?? '', user.workspaceId)
  await page.goto(url)
  await page.getByRole('button', { name: 'Deny' }).click()
  await expect(page.getByRole('heading', { name: 'Back in the agent' })).toBeVisible()
  expect(appCallback.seen.at(-1)?.get('error')).toBe('access_denied')
})

test('signed out, the person signs in first and comes back to the consent page', async ({ page, baseURL }) => {
  const user = await createUser()
  const { url } = await agentAuthorization(baseURL ?? '', user.workspaceId)
  await page.goto(url)
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fagent%2Fauthorize%2F/)
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: /sign in/i }).click()
  await expect(page).toHaveURL(/\/agent\/authorize\//)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Allow Test Agent to use .+\?$/)
  await expectNoAxeViolations(page)
})
