// The tool runner (issue 11 point 19): with JavaScript, elapsed time, the server's progress and a
// Cancel that stops the call at the server; without, the form posts and the page shows the result.
import { getDb } from '#app/utils/db.server.ts'
import { demo, expect, expectNoAxeViolations, test } from '#tests/fixtures.ts'

test.describe.configure({ timeout: 90_000 })

test('a slow tool: progress and Cancel with JavaScript, the result either way', async ({ page, login, navigate, javaScriptEnabled }) => {
  const user = await login()
  const server = await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Demo', url: demo.url, authType: 'none' } })
  await navigate(`/w/${user.workspaceId}/servers/${server.id}/tools/slow`)
  const ms = page.getByRole('spinbutton', { name: /^ms/ })

  if (javaScriptEnabled) {
    await ms.fill('30000')
    await page.getByRole('button', { name: 'Run tool' }).click()
    const running = page.getByRole('status', { name: 'Running' })
    await expect(running).toContainText('Running…')
    await expect(running).toContainText('Waited 1000 of 30000 ms')
    await expectNoAxeViolations(page)
    await running.getByRole('button', { name: 'Cancel' }).click()
    await expect(page.getByRole('region', { name: 'Result' })).toContainText('You cancelled the call; the server was told to stop.')
    await expect(running).toHaveCount(0)
  }

  await ms.fill('1500')
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByRole('region', { name: 'Result' })).toContainText('Waited 1500 ms.')
  await expect(ms).toHaveValue('1500')
})

test('a run joins “Your recent runs”; Run again fills the form with its arguments', async ({ page, login, navigate }) => {
  const user = await login()
  const server = await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Demo', url: demo.url, authType: 'none' } })
  await navigate(`/w/${user.workspaceId}/servers/${server.id}/tools/echo`)
  const message = page.getByRole('textbox', { name: /^message/ })
  await message.fill('remember me')
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByRole('region', { name: 'Result' })).toContainText('remember me')
  const runs = page.getByRole('region', { name: 'Your recent runs' })
  await expect(runs.getByRole('listitem')).toHaveCount(1)
  await expect(runs).toContainText('Succeeded')
  await expectNoAxeViolations(page)

  await navigate(`/w/${user.workspaceId}/servers/${server.id}/tools/echo`)
  await expect(message).toHaveValue('')
  await runs.getByRole('link', { name: /^Run again/ }).click()
  await expect(message).toHaveValue('remember me')
})
