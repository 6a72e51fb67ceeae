import { expect, test } from '#tests/fixtures.ts'

test('an unknown server inside a workspace shows the not-found page within the workspace menu', async ({
  page,
  login,
  javaScriptEnabled,
}) => {
  const user = await login({ name: 'Nadia' })
  const response = await page.goto(`/w/${user.workspaceId}/servers/no-such-server`)
  expect(response?.status()).toBe(404)
  await expect(page.getByRole('heading', { level: 1, name: 'Server not found' })).toBeVisible()
  await expect(page.getByText('It does not exist, or you are not a member of the workspace it belongs to.')).toBeVisible()
  // The page's own boundary renders inside the workspace layout: the menu stays.
  const menu = page.getByRole('navigation', { name: 'Workspace sections' })
  await expect(menu).toBeVisible()
  await expect(menu.getByRole('link', { name: 'Servers' })).toBeVisible()

  if (javaScriptEnabled) await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true')
  await page.getByRole('link', { name: 'Back to the workspace overview' }).click()
  await expect(page.getByRole('heading', { level: 1, name: "Nadia's workspace" })).toBeVisible()
  expect(new URL(page.url()).pathname).toBe(`/w/${user.workspaceId}`)
})

test('an unknown tool page answers 404 inside the workspace layout', async ({ page, login }) => {
  const user = await login({ name: 'Tomas' })
  // An unknown tool of an unknown server: the deepest page answers 404 with its sentence, the layout stays.
  const response = await page.goto(`/w/${user.workspaceId}/servers/no-such-server/tools/no-such-tool`)
  expect(response?.status()).toBe(404)
  await expect(page.getByRole('heading', { level: 1, name: /not found/i })).toBeVisible()
  await expect(page.getByRole('navigation', { name: 'Workspace sections' })).toBeVisible()
})

test("someone else's workspace is not found, without its menu", async ({ page, login }) => {
  const user = await login({ name: 'Owner' })
  await page.context().clearCookies()
  await login({ name: 'Stranger' })
  const response = await page.goto(`/w/${user.workspaceId}/servers/no-such-server`)
  expect(response?.status()).toBe(404)
  await expect(page.getByRole('heading', { level: 1, name: 'Workspace not found' })).toBeVisible()
  await expect(page.getByRole('navigation', { name: 'Workspace sections' })).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Go to your workspace' })).toBeVisible()
})
