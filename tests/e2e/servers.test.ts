import { addMember } from '#app/models/workspace.server.ts'
import { createUser, demo, expect, expectNoAxeViolations, signIn, test } from '#tests/fixtures.ts'
import type { Page } from '@playwright/test'

async function addServer(page: Page, workspaceId: string, name: string, url: string) {
  await page.goto(`/w/${workspaceId}/servers`)
  await page.getByRole('link', { name: 'Add server' }).click()
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('MCP endpoint URL').fill(url)
  await page.getByRole('button', { name: 'Add server' }).click()
}

test('an admin adds the demo server, sees it needs no authentication, and runs a tool from the generated form', async ({
  page,
  login,
}) => {
  const user = await login({ name: 'Ada' })
  await addServer(page, user.workspaceId, 'Demo', demo.url)
  await expect(page.getByRole('heading', { level: 1, name: 'Demo' })).toBeVisible()
  await expect(page.getByRole('status')).toContainText('No authentication needed')
  await expect(page.locator('#server-status')).toHaveText('Ready')

  await page.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link', { name: 'Tools', exact: true }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'Demo' })).toBeVisible()
  await page.getByRole('link', { name: 'Echo' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Echo' })).toBeVisible()
  await page.getByLabel('message').fill('hello from the browser')
  await page.getByRole('button', { name: 'Run tool' }).click()
  const result = page.getByRole('region', { name: 'Result' })
  await expect(result).toContainText('hello from the browser')
  await expect(result).toContainText(/Took \d+ ms/)
})

test('a tool call with invalid arguments is refused next to the field, and an error result is shown as such', async ({
  page,
  login,
}) => {
  const user = await login()
  await addServer(page, user.workspaceId, 'Demo', demo.url)
  await expect(page.getByRole('heading', { level: 1, name: 'Demo' })).toBeVisible()
  const serverId = new URL(page.url()).pathname.split('/').pop()
  await page.goto(`/w/${user.workspaceId}/servers/${serverId}/tools/create_ticket`)
  await page.getByLabel('title').fill('ab')
  // Skip the browser's own checks (minlength) to prove the server validates on its own.
  const runForm = page.locator('form', { has: page.getByRole('button', { name: 'Run tool' }) })
  await runForm.evaluate((form) => form.setAttribute('novalidate', ''))
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByText(/at least 3 characters/i).first()).toBeVisible()

  await page.goto(`/w/${user.workspaceId}/servers/${serverId}/tools/fail`)
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByRole('region', { name: 'Result' }).getByRole('alert')).toBeVisible()
})

test('a server that needs an API key works once an admin adds the header, whose value is never shown', async ({ page, login }) => {
  const user = await login()
  await addServer(page, user.workspaceId, 'Keyed demo', demo.keyUrl)
  await expect(page.getByRole('status')).toContainText('Add the header it expects')
  await expect(page.locator('#server-status')).toHaveText('Needs headers')
  const serverPath = new URL(page.url()).pathname

  // The tool page of a server without its header is a state with a way on: the header form.
  await page.goto(`${serverPath}/tools/echo`)
  const callout = page.locator('.callout-info')
  await expect(callout).toBeVisible()
  await expect(page.getByRole('alert')).toHaveCount(0)
  await callout.getByRole('link', { name: 'Add the header this server expects' }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'Headers' })).toBeVisible()

  await page.getByLabel('Header name').fill('X-Api-Key')
  await page.getByLabel('Value').fill(demo.apiKey)
  await page.getByRole('button', { name: 'Save header' }).click()
  await expect(page.getByRole('status')).toContainText('Saved the header X-Api-Key. Connected with the configured headers')
  expect(await page.content()).not.toContain(demo.apiKey)
  // Emptied after saving, with JavaScript as without; the saved header is listed.
  await expect(page.getByLabel('Header name')).toHaveValue('')
  await expect(page.getByLabel('Value')).toHaveValue('')
  await expect(page.getByRole('code').filter({ hasText: 'X-Api-Key' })).toBeVisible()
  // Still a header server (the probe carried the key), and one status says it is ready.
  await expect(page.locator('xpath=//dt[normalize-space()="Authentication"]/following-sibling::dd[1]')).toHaveText(
    'Static headers (API key) (detected)',
  )
  await expect(page.locator('#server-status')).toHaveText('Ready')

  await page.getByRole('link', { name: 'Browse tools' }).click()
  await expect(page.getByRole('link', { name: 'Add two numbers' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Keyed demo' }).getByText('Ready', { exact: true })).toBeVisible()
  await page.getByRole('link', { name: 'Servers', exact: true }).click()
  await expect(page.getByRole('row', { name: /Keyed demo/ }).getByText('Ready', { exact: true })).toBeVisible()
})

test('an address without the MCP path offers “Did you mean …/mcp?”, and the link fills it in', async ({ page, login }) => {
  const user = await login()
  const origin = new URL(demo.url).origin
  await addServer(page, user.workspaceId, 'Pathless', `${origin}/`)
  const url = page.getByLabel('MCP endpoint URL')
  await expect(url).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByText(`Did you mean ${demo.url}?`)).toBeVisible()
  await expect(page.getByLabel('Save anyway')).toHaveCount(0)
  await expectNoAxeViolations(page)
  await page.getByRole('link', { name: `Use ${demo.url}` }).click()
  await expect(url).toHaveValue(demo.url)
  await expect(page.getByLabel('Name')).toHaveValue('Pathless')
  await expect(url).not.toHaveAttribute('aria-invalid', 'true')
  await page.getByRole('button', { name: 'Add server' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Pathless' })).toBeVisible()
  await expect(page.locator('#server-status')).toHaveText('Ready')
})

test('an admin edits, disables, and deletes a server (with confirmation)', async ({ page, login }) => {
  const user = await login()
  await addServer(page, user.workspaceId, 'Temp', demo.url)
  await page.getByRole('link', { name: 'Edit' }).click()
  await page.getByLabel('Name').fill('Renamed')
  await page.getByRole('button', { name: 'Save changes' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Renamed' })).toBeVisible()

  await page.getByRole('button', { name: 'Disable' }).click()
  await expect(page.getByRole('status')).toContainText('Renamed is disabled.')
  await page.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link', { name: 'Tools', exact: true }).click()
  await expect(page.getByText('No enabled MCP servers in this workspace.')).toBeVisible()

  await page.goto(`/w/${user.workspaceId}/servers`)
  await page.getByRole('link', { name: 'Renamed' }).click()
  await page.getByRole('link', { name: 'Delete' }).click()
  await page.getByRole('button', { name: 'Delete server' }).click()
  await expect(page.getByText('Tick the box to confirm')).toBeVisible()
  await page.getByLabel('Yes, delete Renamed').check()
  await page.getByRole('button', { name: 'Delete server' }).click()
  await expect(page.getByRole('status')).toContainText('Deleted Renamed.')
  await expect(page.getByText('No MCP servers yet.')).toBeVisible()
})

test('a member uses a server’s tools but cannot add, edit or delete servers', async ({ page, baseURL }) => {
  const owner = await createUser({ name: 'Owner' })
  const member = await createUser({ name: 'Member' })
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  await signIn(page, owner, baseURL ?? '')
  await addServer(page, owner.workspaceId, 'Shared', demo.url)
  await expect(page.getByRole('heading', { level: 1, name: 'Shared' })).toBeVisible()
  await page.context().clearCookies()
  await signIn(page, member, baseURL ?? '')

  await page.goto(`/w/${owner.workspaceId}/servers`)
  await expect(page.getByRole('link', { name: 'Add server' })).toHaveCount(0)
  await page.getByRole('link', { name: 'Shared' }).click()
  await expect(page.getByRole('button', { name: 'Test connection' })).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Edit' })).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Delete' })).toHaveCount(0)
  await page.getByRole('link', { name: 'Browse tools' }).click()
  await page.getByRole('link', { name: 'Add two numbers' }).click()
  await page.getByRole('spinbutton', { name: 'a (required)' }).fill('2')
  await page.getByRole('spinbutton', { name: 'b (required)' }).fill('40')
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByRole('region', { name: 'Result' })).toContainText('42')
  const newPage = await page.goto(`/w/${owner.workspaceId}/servers/new`)
  expect(newPage?.status()).toBe(403)
})

test('a server’s name in the list opens its page: in place with JavaScript, as a plain link without', async ({ page, login, javaScriptEnabled }) => {
  const user = await login({ name: 'Lin' })
  await addServer(page, user.workspaceId, 'Listed', demo.url)
  await expect(page.getByRole('heading', { level: 1, name: 'Listed' })).toBeVisible()
  await page.goto(`/w/${user.workspaceId}/servers`)
  if (javaScriptEnabled) {
    await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true')
    // A marker on the window survives a client-side navigation, not a document load.
    await page.evaluate(() => Object.assign(window, { stayedOnPage: true }))
  }
  await page.getByRole('link', { name: 'Listed' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Listed' })).toBeVisible()
  expect(new URL(page.url()).pathname).toMatch(new RegExp(`^/w/${user.workspaceId}/servers/[^/]+$`))
  if (javaScriptEnabled) expect(await page.evaluate(() => (window as { stayedOnPage?: boolean }).stayedOnPage)).toBe(true)
})

test('every input is styled like the others, whatever its type (the OAuth client fields, dates)', async ({ page, login, javaScriptEnabled }) => {
  const user = await login()
  await page.goto(`/w/${user.workspaceId}/servers/new`)
  await page.getByText('Advanced: OAuth client and scopes').click()
  const heightOf = async (label: string) => (await page.getByLabel(label).boundingBox())?.height ?? 0
  const reference = await heightOf('Name')
  expect(reference).toBeGreaterThanOrEqual(36)
  for (const label of ['Client ID', 'Client secret', 'Scopes to request', 'Request timeout (seconds)']) {
    expect(await heightOf(label), label).toBeGreaterThanOrEqual(reference - 1)
  }
  if (javaScriptEnabled) {
    // Types no page of ours renders yet (a tool's date argument does): the same rule styles them.
    for (const type of ['date', 'time', 'search', 'tel']) {
      const height = await page.locator('main form').first().evaluate((form, inputType) => {
        const input = document.createElement('input')
        input.type = inputType
        form.append(input)
        const box = input.getBoundingClientRect().height
        input.remove()
        return box
      }, type)
      expect(height, type).toBeGreaterThanOrEqual(reference - 1)
    }
  }
})
