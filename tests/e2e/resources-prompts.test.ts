// Resources and prompts (issue 11 point 18) in a real browser, JavaScript on and off: from the
// server's pages to a resource read as text, a template filled in to an image, and a prompt's
// messages after its arguments.
import { getDb } from '#app/utils/db.server.ts'
import { demo, expect, expectNoAxeViolations, test } from '#tests/fixtures.ts'

test.describe.configure({ timeout: 90_000 })

test('browse resources, read one, fill a template; get a prompt with arguments', async ({ page, login, navigate }) => {
  const user = await login()
  const server = await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Demo', url: demo.url, authType: 'none' } })
  await navigate(`/w/${user.workspaceId}/servers/${server.id}/resources`)
  await expect(page.getByRole('heading', { level: 1, name: 'Resources of Demo' })).toBeVisible()
  await expectNoAxeViolations(page)

  await page.getByRole('link', { name: 'Demo server README' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'demo://docs/readme.md' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Contents' })).toContainText('Switchboard demo MCP server')
  await expectNoAxeViolations(page)

  await page.getByRole('link', { name: '← Resources of Demo' }).click()
  const template = page.getByRole('form', { name: 'Colour swatch' })
  await template.getByLabel('color').fill('green')
  await template.getByRole('button', { name: 'Read' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'demo://swatch/green' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Contents' }).getByRole('img')).toBeVisible()

  await page.getByRole('navigation', { name: 'Demo pages' }).getByRole('link', { name: 'Prompts' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Prompts of Demo' })).toBeVisible()
  await expectNoAxeViolations(page)
  await page.getByRole('link', { name: 'Review a document' }).click()
  await page.getByLabel('tone').fill('friendly')
  await page.getByLabel('document').fill('readme')
  await page.getByRole('button', { name: 'Get prompt' }).click()
  const messages = page.getByRole('region', { name: 'Messages' })
  await expect(messages).toContainText('Review this document in a friendly tone.')
  await expect(messages).toContainText('# Switchboard demo MCP server')
  await expectNoAxeViolations(page)
})

test('a tool result in Markdown is rendered, its text one click away; its resource link is read inside Switchboard', async ({ page, login, navigate }) => {
  const user = await login()
  const server = await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Demo', url: demo.url, authType: 'none' } })
  await navigate(`/w/${user.workspaceId}/servers/${server.id}/tools/get_document`)
  await page.getByRole('combobox', { name: 'name (required)' }).selectOption('changelog')
  await page.getByRole('button', { name: 'Run tool' }).click()
  const result = page.getByRole('region', { name: 'Result' })
  // The document's "# Changelog" heading is rendered below the page's own headings.
  await expect(result.getByRole('heading', { level: 3 }).first()).toBeVisible()
  await expect(result.getByText('Text as sent')).toBeVisible()
  await expectNoAxeViolations(page)
  await result.getByRole('link', { name: 'Demo server changelog' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'demo://docs/changelog.md' })).toBeVisible()
})
