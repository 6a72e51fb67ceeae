import { getDb } from '#app/utils/db.server.ts'
import { demo, expect, expectNoAxeViolations, test } from '#tests/fixtures.ts'

// Issue 13, point 3 (ADR 034): an agent sends its person to Switchboard's page for a server they have not signed
// in to (`?agent=1`); the page says what to do there, beside the Connect button.

test('the server page tells a person an agent sent there to connect, then go back to the app', async ({ page, login, navigate }, testInfo) => {
  const user = await login()
  const row = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: 'Tickets', url: demo.oauthUrl, authType: 'oauth', timeoutMs: 10_000 },
    select: { id: true },
  })
  await navigate(`/w/${user.workspaceId}/servers/${row.id}?agent=1`)
  await expect(page.getByRole('heading', { level: 1, name: 'Tickets' })).toBeVisible()
  await expect(page.getByText('An app you use sent you here to sign in to Tickets. Press Connect (or Reconnect) under “Your OAuth connection” below, then go back to the app')).toBeVisible()
  await expect(page.getByRole('button', { name: /^Connect/ }).first()).toBeVisible()
  await expectNoAxeViolations(page)
  if (process.env.AGG_SCREENSHOTS) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 })
      await page.screenshot({ path: `${process.env.AGG_SCREENSHOTS}/agent-hint-${testInfo.project.name}-${width}.png`, fullPage: true })
    }
  }
  // Without the parameter, the page is as before.
  await navigate(`/w/${user.workspaceId}/servers/${row.id}`)
  await expect(page.getByText('An app you use sent you here')).toHaveCount(0)
})

test('when the agent’s call needed more access, the line carries a “Grant more access” button for those scopes', async ({ page, login, navigate }, testInfo) => {
  const user = await login()
  const row = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: 'Demo', url: demo.url, timeoutMs: 10_000 },
    select: { id: true },
  })
  await navigate(`/w/${user.workspaceId}/servers/${row.id}?agent=1&scopes=${encodeURIComponent('mcp:tools tickets:write')}&tool=create_ticket`)
  const hint = page.locator('#agent-sign-in-hint')
  await expect(hint).toContainText('the tool “create_ticket” of Demo needs more access than you granted.')
  await expect(hint).toContainText('Access asked for: mcp:tools tickets:write')
  await expect(hint.getByRole('button', { name: 'Grant more access' })).toBeVisible()
  await expectNoAxeViolations(page)
  if (process.env.AGG_SCREENSHOTS) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 })
      await page.screenshot({ path: `${process.env.AGG_SCREENSHOTS}/agent-stepup-${testInfo.project.name}-${width}.png` })
    }
  }
  // Scopes that are not scope names give no button.
  await navigate(`/w/${user.workspaceId}/servers/${row.id}?agent=1&scopes=${encodeURIComponent('"><b>x')}&tool=create_ticket`)
  await expect(page.getByRole('button', { name: 'Grant more access' })).toHaveCount(0)
})
