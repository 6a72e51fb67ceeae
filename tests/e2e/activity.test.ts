import { recordAudit } from '#app/models/audit.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { createUser, demo, expect, expectNoAxeViolations, signIn, test } from '#tests/fixtures.ts'

// The Overview as the place to start, tool calls in the audit log (filters, paging, CSV) and the
// health charts: with JavaScript on and off (projects js-on and js-off), each page scanned by axe.
test.describe.configure({ timeout: 120_000 })

test('an empty workspace’s Overview leads an owner to add the first server, and tells a member who can', async ({ page, login, navigate, browser, baseURL }) => {
  const owner = await login({ name: 'Start Owner' })
  const ws = `/w/${owner.workspaceId}`
  await navigate(ws)
  await expect(page.getByRole('heading', { level: 2, name: 'Add your first server' })).toBeVisible()
  await expectNoAxeViolations(page)
  await page.getByRole('link', { name: 'Add your first server' }).click()
  await expect(page).toHaveURL(new RegExp(`${ws}/servers/new$`))

  const member = await createUser({ name: 'Start Member' })
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  const memberContext = await browser.newContext({ baseURL, javaScriptEnabled: test.info().project.use.javaScriptEnabled })
  const memberPage = await memberContext.newPage()
  await signIn(memberPage, member, baseURL ?? '')
  await memberPage.goto(ws)
  await expect(memberPage.getByRole('heading', { level: 2, name: 'No servers yet' })).toBeVisible()
  await expect(memberPage.getByText('An owner or admin adds them')).toBeVisible()
  await expect(memberPage.getByRole('link', { name: 'Add your first server' })).toHaveCount(0)
  await memberContext.close()
})

test('a tool call shows on the Overview’s and the server page’s health charts and in the audit log, filtered and as CSV', async ({ page, login, navigate }) => {
  const owner = await login({ name: 'Activity Owner' })
  const ws = `/w/${owner.workspaceId}`
  await navigate(`${ws}/servers/new`)
  await page.getByLabel('Name').fill('Activity demo')
  await page.getByLabel('MCP endpoint URL').fill(demo.url)
  await page.getByRole('button', { name: 'Add server' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Activity demo' })).toBeVisible()
  const serverPath = new URL(page.url()).pathname
  await expect(page.getByRole('heading', { level: 2, name: 'Recent calls' })).toBeVisible()
  await expect(page.getByText('No tool calls in the past 7 days.')).toBeVisible()

  await navigate(`${serverPath}/tools/echo`)
  await page.getByRole('textbox', { name: 'message (required)' }).fill('argument-not-for-the-log')
  await page.getByRole('button', { name: 'Run tool' }).click()
  await expect(page.getByRole('region', { name: 'Result' })).toBeVisible()

  // The server page: its chart with a text alternative.
  await navigate(serverPath)
  await expect(page.getByRole('img', { name: /^Recent calls to Activity demo: Last 1 call: 1 answered\./ })).toBeVisible()
  await expect(page.getByText(/^Last 1 call: 1 answered\. Typical time \d/)).toBeVisible()
  await expectNoAxeViolations(page)

  // The Overview: the server with its status, tool count and health.
  await navigate(ws)
  const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: 'Activity demo' }) })
  await expect(item.getByText('Ready', { exact: true })).toBeVisible()
  await expect(item.getByRole('link', { name: /^\d+ tools$/ })).toBeVisible()
  await expect(item.getByRole('img', { name: /Last 1 call: 1 answered/ })).toBeVisible()
  await expectNoAxeViolations(page)
  await item.getByRole('link', { name: 'Activity demo' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Activity demo' })).toBeVisible()

  // The audit log, filtered to tool calls with the GET form.
  await navigate(`${ws}/audit`)
  await page.getByLabel('Kind').selectOption({ label: 'Tool calls' })
  await page.getByLabel('Server').selectOption({ label: 'Activity demo' })
  await page.getByRole('button', { name: 'Show' }).click()
  await expect(page).toHaveURL(/kind=tool_call/)
  const rows = page.getByRole('table').getByRole('row')
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(1)).toContainText('Ran echo')
  await expect(rows.nth(1)).toContainText('succeeded')
  await expect(rows.nth(1)).toContainText('Activity Owner')
  await expect(page.getByText('Server added')).toHaveCount(0)
  expect(await page.content()).not.toContain('argument-not-for-the-log')
  await expectNoAxeViolations(page)

  // The CSV of what is shown.
  const downloading = page.waitForEvent('download')
  await page.getByRole('link', { name: 'Download CSV (filtered)' }).click()
  const download = await downloading
  expect(download.suggestedFilename()).toMatch(/^switchboard-audit-\d{4}-\d{2}-\d{2}\.csv$/)
  const stream = await download.createReadStream()
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  const csv = Buffer.concat(chunks).toString('utf8')
  expect(csv.trim().split('\r\n')).toHaveLength(2)
  expect(csv).toContain('"tool call","echo","Succeeded","Activity demo"')
  expect(csv).not.toContain('argument-not-for-the-log')

  await page.getByRole('link', { name: 'Clear filters' }).click()
  await expect(page.getByText('Server added')).toBeVisible()
})

test('the audit log pages back to older entries and to the newest again', async ({ page, login, navigate }) => {
  const owner = await login({ name: 'Pager Owner' })
  const ws = `/w/${owner.workspaceId}`
  for (let i = 0; i < 55; i++) {
    await recordAudit({ workspaceId: owner.workspaceId, actorId: owner.id, event: 'workspace.renamed', detail: `Renamed, step ${i}` })
  }
  await navigate(`${ws}/audit`)
  await expect(page.getByText('Renamed, step 54', { exact: true })).toBeVisible()
  await expect(page.getByText('Renamed, step 0', { exact: true })).toHaveCount(0)
  await page.getByRole('link', { name: 'Older entries' }).click()
  await expect(page.getByText('Renamed, step 0', { exact: true })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Older entries' })).toHaveCount(0)
  await expectNoAxeViolations(page)
  // On a phone the table scrolls sideways in its own region, which a keyboard can reach.
  await page.setViewportSize({ width: 390, height: 800 })
  await expectNoAxeViolations(page)
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.getByRole('link', { name: 'Newest entries' }).click()
  await expect(page.getByText('Renamed, step 54', { exact: true })).toBeVisible()
})
