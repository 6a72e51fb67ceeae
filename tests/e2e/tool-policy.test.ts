import { getDb } from '#app/utils/db.server.ts'
import { demo, expect, expectNoAxeViolations, test } from '#tests/fixtures.ts'

// Issue 11, points 16 and 20: an owner chooses which tools the workspace may use and which ask to
// confirm (one form, with JavaScript and without); the Tools page hides what is off and finds
// tools by name, title or description.

async function addDemoServer(workspaceId: string) {
  const row = await getDb().mcpServer.create({
    data: { workspaceId, name: 'Demo', url: demo.url, timeoutMs: 10_000 },
    select: { id: true },
  })
  return row.id
}

test('an owner turns a tool off and asks to confirm another; the Tools page and the tool page follow', async ({ page, login, navigate }) => {
  const user = await login()
  const serverId = await addDemoServer(user.workspaceId)
  await navigate(`/w/${user.workspaceId}/tools`)
  await expect(page.getByRole('link', { name: 'Echo', exact: true })).toBeVisible()
  // Annotation badges beside each tool.
  const echoItem = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Echo', exact: true }) })
  await expect(echoItem.getByRole('list', { name: 'Annotations' })).toContainText('Read-only')

  await page.getByRole('link', { name: 'Choose tools of Demo' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Tools of Demo' })).toBeVisible()
  await expectNoAxeViolations(page)
  const echo = page.getByRole('group', { name: /^Echo\b/ })
  await expect(echo.getByRole('list', { name: 'Annotations' })).toContainText('Idempotent')
  await echo.getByLabel('Available', { exact: true }).uncheck()
  await page.getByRole('group', { name: /^Add two numbers\b/ }).getByLabel('Ask to confirm').check()
  await page.getByRole('button', { name: 'Save tool settings' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Saved the tool settings of Demo (2 tools changed).' })).toBeVisible()
  await expect(page.getByRole('group', { name: /^Echo\b/ }).getByLabel('Available', { exact: true })).not.toBeChecked()

  await navigate(`/w/${user.workspaceId}/tools`)
  await expect(page.getByRole('link', { name: 'Add two numbers' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Echo', exact: true })).toHaveCount(0)
  await expect(page.getByText('Asks to confirm')).toBeVisible()

  // The tool page asks for the box before the call is sent (the browser's check, and the server's).
  await page.getByRole('link', { name: 'Add two numbers' }).click()
  await page.getByLabel(/^a\b/).fill('2')
  await page.getByLabel(/^b\b/).fill('3')
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByLabel('Yes, run this tool')).toHaveJSProperty('validity.valid', false)
  await expect(page.getByRole('region', { name: 'Result' })).toHaveCount(0)
  await page.getByLabel('Yes, run this tool').check()
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByRole('region', { name: 'Result' })).toContainText('5')
  await expectNoAxeViolations(page)

  // The tool that is off: its page says why instead of a form.
  await navigate(`/w/${user.workspaceId}/servers/${serverId}/tools/echo`)
  await expect(page.getByText('has turned off the tool “echo” of Demo')).toBeVisible()
})

test('searching the Tools page finds tools by title and description, with JavaScript or without', async ({ page, login, navigate }) => {
  const user = await login()
  await addDemoServer(user.workspaceId)
  await navigate(`/w/${user.workspaceId}/tools`)
  await page.getByRole('searchbox', { name: 'Search tools' }).fill('two numbers')
  await page.getByRole('searchbox', { name: 'Search tools' }).press('Enter')
  await expect(page.getByText('1 tool matches “two numbers”.')).toBeVisible()
  await expect(page.getByRole('link', { name: 'Add two numbers' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Echo', exact: true })).toHaveCount(0)
  expect(new URL(page.url()).searchParams.get('q')).toBe('two numbers')
  await expectNoAxeViolations(page)

  await page.getByRole('searchbox', { name: 'Search tools' }).fill('nothing like this')
  await page.getByRole('searchbox', { name: 'Search tools' }).press('Enter')
  await expect(page.getByText('No tools match “nothing like this”.')).toBeVisible()
  await expect(page.getByRole('link', { name: 'Add two numbers' })).toHaveCount(0)
})

test('a member sees no way to change the tool policy, and its page is refused', async ({ page, login, navigate }) => {
  const owner = await login()
  const serverId = await addDemoServer(owner.workspaceId)
  await page.context().clearCookies()
  const member = await login()
  await getDb().membership.create({ data: { workspaceId: owner.workspaceId, userId: member.id, role: 'member' }, select: { userId: true } })
  await navigate(`/w/${owner.workspaceId}/tools`)
  await expect(page.getByRole('link', { name: 'Echo', exact: true })).toBeVisible()
  await expect(page.getByRole('link', { name: /Choose tools/ })).toHaveCount(0)
  await page.goto(`/w/${owner.workspaceId}/servers/${serverId}/tool-policy`)
  await expect(page.getByText('Only owners and admins of this workspace can do that')).toBeVisible()
})

test('with JavaScript, the Tools page searches as you type (the same GET, so the same results)', async ({ page, login, navigate, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'Without JavaScript the Search button runs the search (the test above).')
  const user = await login()
  await addDemoServer(user.workspaceId)
  await navigate(`/w/${user.workspaceId}/tools`)
  await page.getByRole('searchbox', { name: 'Search tools' }).pressSequentially('colour')
  await expect(page.getByText('1 tool matches “colour”.')).toBeVisible()
  await expect(page.getByRole('link', { name: 'Colour swatch' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Add two numbers' })).toHaveCount(0)
  expect(new URL(page.url()).searchParams.get('q')).toBe('colour')
})
