import { randomBytes } from 'node:crypto'
import { addMember } from '#app/models/workspace.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { createUser, demo, expect, expectNoAxeViolations, test, waitForHydration } from '#tests/fixtures.ts'

// Issue 13, points 4 (control) and 6: Connected apps for a person and for an admin, the Overview's "Use your
// workspace from an agent" and a server's agent settings. Grants are seeded as consent stores them (AgentGrant).
test.describe.configure({ timeout: 90_000 })

async function seedGrant(userId: string, workspaceId: string, clientName: string, verified = false) {
  const id = `grant-${randomBytes(8).toString('hex')}`
  await getDb().agentGrant.create({
    data: {
      id,
      userId,
      workspaceId,
      resource: `${process.env.PUBLIC_URL}/mcp/${workspaceId}`,
      clientId: verified ? 'https://claude.ai/oauth/claude-code-client-metadata' : `client-${randomBytes(6).toString('hex')}`,
      clientName,
      redirectHost: 'localhost',
      viaMetadataDocument: verified,
    },
  })
  return id
}

test('a person sees the apps they connected and revokes one after confirming', async ({ page, login, navigate }) => {
  const user = await login({ name: 'App Person' })
  await seedGrant(user.id, user.workspaceId, 'Claude Code', true)
  await seedGrant(user.id, user.workspaceId, 'Cursor')
  await navigate('/account')
  await page.getByRole('link', { name: 'Connected apps' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Connected apps' })).toBeVisible()
  await expect(page.getByRole('cell', { name: /Claude Code verified/ })).toBeVisible()
  await expect(page.getByRole('cell', { name: /Cursor self-registered/ })).toBeVisible()
  await expectNoAxeViolations(page)

  await page.getByRole('link', { name: /^Revoke Claude Code/ }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'Revoke Claude Code?' })).toBeVisible()
  await expectNoAxeViolations(page)
  await page.getByRole('button', { name: 'Revoke Claude Code' }).click()
  await expect(page.getByRole('status')).toContainText('The app is revoked.')
  await expect(page.getByRole('cell', { name: /^Claude Code/ })).toHaveCount(0)
  await expect(page.getByRole('cell', { name: /^Cursor/ })).toBeVisible()
  expect(await getDb().agentGrant.count({ where: { userId: user.id } })).toBe(1)

  // Cancel leaves it be; after the last one, the page says what Connected apps are and where to connect one.
  await page.getByRole('link', { name: /^Revoke Cursor/ }).click()
  await page.getByRole('link', { name: 'Cancel' }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'Revoke Cursor?' })).toHaveCount(0)
  await page.getByRole('link', { name: /^Revoke Cursor/ }).click()
  await page.getByRole('button', { name: 'Revoke Cursor' }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'No connected apps yet' })).toBeVisible()
  await expect(page.getByText(`/mcp/${user.workspaceId}`)).toBeVisible()
  await expectNoAxeViolations(page)
})

test('an owner sees every member’s apps in the workspace and revokes a member’s', async ({ page, login, navigate }) => {
  const owner = await login({ name: 'Apps Owner' })
  const member = await createUser({ name: 'Apps Member' })
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  await seedGrant(member.id, owner.workspaceId, 'VS Code')
  await seedGrant(owner.id, owner.workspaceId, 'Claude Code', true)
  await navigate(`/w/${owner.workspaceId}`)
  await page.getByRole('link', { name: 'Connected apps' }).first().click()
  await expect(page.getByRole('heading', { level: 1, name: 'Connected apps' })).toBeVisible()
  await expect(page.getByRole('cell', { name: 'Apps Member', exact: true })).toBeVisible()
  await expectNoAxeViolations(page)
  await page.getByRole('link', { name: /^Revoke VS Code of Apps Member/ }).click()
  await expect(page.getByText('Apps Member’s VS Code can no longer use')).toBeVisible()
  await page.getByRole('button', { name: 'Revoke VS Code' }).click()
  await expect(page.getByRole('status')).toContainText('The app is revoked.')
  await expect(page.getByRole('cell', { name: 'Apps Member', exact: true })).toHaveCount(0)
  expect(await getDb().agentGrant.count({ where: { userId: member.id } })).toBe(0)
  expect(await getDb().agentGrant.count({ where: { userId: owner.id } })).toBe(1)
})

test('the Overview shows the workspace’s agent address and how to add it in Claude Code, VS Code and Cursor', async ({ page, login, navigate }) => {
  const user = await login({ name: 'Agent User' })
  await navigate(`/w/${user.workspaceId}`)
  const panel = page.getByRole('region', { name: 'Use your workspace from an agent' })
  const url = `${process.env.PUBLIC_URL}/mcp/${user.workspaceId}`
  await expect(panel.locator('#agent-endpoint')).toHaveText(url)
  await panel.getByText('Claude Code', { exact: true }).click()
  await expect(panel.locator('#agent-claude-code')).toContainText(`claude mcp add --transport http agent-user-s-workspace ${url}`)
  await panel.getByText('VS Code', { exact: true }).click()
  await expect(panel.locator('#agent-vs-code')).toContainText('"type": "http"')
  await panel.getByText('Cursor', { exact: true }).click()
  await expect(panel.locator('#agent-cursor')).toContainText('"mcpServers"')
  await expect(panel.getByText('The app opens Switchboard’s consent page in your browser')).toBeVisible()
  await expectNoAxeViolations(page)
})

test('an admin takes a server off the agent endpoint and gives it a prefix; bad prefixes get a sentence', async ({ page, login, navigate, javaScriptEnabled }) => {
  const user = await login({ name: 'Prefix Admin' })
  const server = await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Demo Tools', url: demo.url }, select: { id: true } })
  await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Other', url: demo.keyUrl, agentPrefix: 'taken' }, select: { id: true } })
  await navigate(`/w/${user.workspaceId}/servers/${server.id}`)
  const agents = page.getByRole('region', { name: 'Agents' })
  await expect(agents.getByText('offered to agents', { exact: true })).toBeVisible()
  await expect(agents.getByText(`/mcp/${user.workspaceId}/${server.id}`)).toBeVisible()
  await expect(agents.getByLabel('Agent tool prefix (optional)')).toHaveAttribute('placeholder', 'demo-tools')
  await expectNoAxeViolations(page)

  const form = page.locator('form', { has: page.getByRole('button', { name: 'Save agent settings' }) })
  // Past the browser's own check of the pattern, to see the server's sentence.
  await form.evaluate((element) => element.setAttribute('novalidate', ''))
  await agents.getByLabel('Agent tool prefix (optional)').fill('Demo Tools')
  await page.getByRole('button', { name: 'Save agent settings' }).click()
  await expect(page.getByText('Use lower-case letters, digits and hyphens')).toBeVisible()
  await expectNoAxeViolations(page)
  if (javaScriptEnabled) await waitForHydration(page)
  await agents.getByLabel('Agent tool prefix (optional)').fill('taken')
  await page.getByRole('button', { name: 'Save agent settings' }).click()
  await expect(page.getByText('Other already uses the prefix “taken”. Choose another one.')).toBeVisible()

  await agents.getByLabel('Agent tool prefix (optional)').fill('demo')
  await agents.getByLabel('Available to agents').uncheck()
  await page.getByRole('button', { name: 'Save agent settings' }).click()
  await expect(page.getByRole('status')).toContainText('Saved. Demo Tools is not offered to agents.')
  await expect(agents.getByText('not offered to agents', { exact: true })).toBeVisible()
  await navigate(`/w/${user.workspaceId}/servers`)
  await expect(page.getByRole('row', { name: /Demo Tools/ }).getByText('Not offered')).toBeVisible()
  await expect(page.getByRole('row', { name: /Other/ }).getByText('taken_…')).toBeVisible()
})
