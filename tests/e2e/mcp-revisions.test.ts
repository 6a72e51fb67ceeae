// Issue 12 in a real browser, with JavaScript and without: a server that speaks only MCP
// 2026-07-28 (the v2 server package, 2025-era clients refused) is added, names its revision on
// its page, and its tools run from the generated form.
import { demo, expect, expectNoAxeViolations, test } from '#tests/fixtures.ts'

// axe takes a while on two cores, more without JavaScript.
test.describe.configure({ timeout: 90_000 })

test('a server that speaks only MCP 2026-07-28 is added, shows its revision, and runs a tool', async ({ page, login, navigate }) => {
  const user = await login()
  await navigate(`/w/${user.workspaceId}/servers/new`)
  await page.getByLabel('Name').fill('Modern demo')
  await page.getByLabel('MCP endpoint URL').fill(demo.modernUrl)
  await page.getByRole('button', { name: 'Add server' }).click()

  await expect(page.getByRole('heading', { level: 1, name: 'Modern demo' })).toBeVisible()
  await expect(page.getByRole('status')).toContainText('No authentication needed: 4 tools available.')
  await expect(page.getByRole('definition').filter({ hasText: '2026-07-28' })).toBeVisible()
  await expect(page.getByText('not an MCP response')).toHaveCount(0)
  await expectNoAxeViolations(page)

  await page.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link', { name: 'Tools', exact: true }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'Modern demo' })).toBeVisible()
  await page.getByRole('link', { name: 'Echo' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Echo' })).toBeVisible()
  await page.getByLabel('message').fill('hello, 2026')
  await page.getByRole('button', { name: 'Run tool' }).click()
  const result = page.getByRole('region', { name: 'Result' })
  await expect(result).toContainText('hello, 2026')
  await expectNoAxeViolations(page)
})
