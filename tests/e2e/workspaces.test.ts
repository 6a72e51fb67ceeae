import { createUser, expect, signIn, test } from '#tests/fixtures.ts'

test('a user creates a workspace and switches back to their personal one', async ({ page, login, navigate }) => {
  const user = await login({ name: 'Lin' })
  await navigate('/')
  await expect(page.getByRole('heading', { level: 1, name: "Lin's workspace" })).toBeVisible()

  await page.getByRole('link', { name: '+ New workspace' }).click()
  await page.getByLabel('Workspace name').fill('Platform team')
  await page.getByRole('button', { name: 'Create workspace' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Platform team' })).toBeVisible()
  await expect(page.getByRole('status')).toContainText('You are its owner')

  await page.getByLabel('Switch workspace').selectOption({ label: "Lin's workspace" })
  await page.getByRole('button', { name: 'Switch' }).click()
  await expect(page.getByRole('heading', { level: 1, name: "Lin's workspace" })).toBeVisible()
  expect(new URL(page.url()).pathname).toBe(`/w/${user.workspaceId}`)

  // "/" remembers the workspace chosen last.
  await navigate('/')
  await expect(page.getByRole('heading', { level: 1, name: "Lin's workspace" })).toBeVisible()
})

test('an owner adds a member by email, changes their role and removes them', async ({ page, login, navigate }) => {
  const owner = await login({ name: 'Olga' })
  const colleague = await createUser({ name: 'Cem' })
  await navigate(`/w/${owner.workspaceId}/members`)

  await page.getByLabel('Email of their Switchboard account').fill(colleague.email)
  await page.getByLabel('Role', { exact: true }).selectOption('member')
  await page.getByRole('button', { name: 'Add member' }).click()
  await expect(page.getByRole('status')).toContainText('Added Cem as member.')
  const row = page.getByRole('row', { name: /Cem/ })
  await expect(row).toContainText(colleague.email)

  await row.getByLabel('Role of Cem').selectOption('admin')
  await row.getByRole('button', { name: 'Change role of Cem' }).click()
  await expect(page.getByRole('status')).toContainText('Role changed to admin.')
  await expect(page.getByRole('row', { name: /Cem/ }).getByLabel('Role of Cem')).toHaveValue('admin')

  await page.getByRole('row', { name: /Cem/ }).getByRole('link', { name: 'Remove Cem' }).click()
  await expect(page.getByRole('heading', { name: 'Remove Cem?' })).toBeVisible()
  // The confirmation is required, with or without JavaScript.
  await page.getByRole('button', { name: 'Remove member' }).click()
  await expect(page.getByText('Tick the box to confirm')).toBeVisible()
  await page.getByLabel('Yes, remove Cem').check()
  await page.getByRole('button', { name: 'Remove member' }).click()
  await expect(page.getByRole('status')).toContainText('Removed Cem from')
  await expect(page.getByRole('row', { name: /Cem/ })).toHaveCount(0)
})

test('adding an email without an account, or someone already a member, explains what to do', async ({
  page,
  login,
  navigate,
}) => {
  const owner = await login()
  await navigate(`/w/${owner.workspaceId}/members`)
  await page.getByLabel('Email of their Switchboard account').fill('nobody-here@example.test')
  await page.getByRole('button', { name: 'Add member' }).click()
  await expect(page.getByText('No Switchboard account uses this email. Ask them to sign up first.')).toBeVisible()

  await page.getByLabel('Email of their Switchboard account').fill(owner.email)
  await page.getByRole('button', { name: 'Add member' }).click()
  await expect(page.getByText('is already a member of this workspace.')).toBeVisible()
})

test('the last owner cannot demote themselves', async ({ page, login, navigate }) => {
  const owner = await login({ name: 'Solo' })
  await navigate(`/w/${owner.workspaceId}/members`)
  const row = page.getByRole('row', { name: /Solo/ })
  await row.getByLabel('Role of Solo').selectOption('member')
  await row.getByRole('button', { name: 'Change role of Solo' }).click()
  await expect(page.getByText('A workspace needs at least one owner.')).toBeVisible()
  await navigate(`/w/${owner.workspaceId}/members`)
  await expect(page.getByRole('row', { name: /Solo/ }).getByLabel('Role of Solo')).toHaveValue('owner')
})

test('a member sees the members but cannot add, change or remove anyone', async ({ page, baseURL, navigate }) => {
  const owner = await createUser({ name: 'Owen' })
  const member = await createUser({ name: 'Mia' })
  const { addMember } = await import('#app/models/workspace.server.ts')
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  await signIn(page, member, baseURL ?? '')

  await navigate(`/w/${owner.workspaceId}/members`)
  await expect(page.getByRole('row', { name: /Owen/ })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Add member' })).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Remove Owen' })).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveCount(0)

  // Going around the UI does not help: the server checks the role.
  const response = await page.request.post(`/w/${owner.workspaceId}/members`, {
    form: { intent: 'add-member', email: member.email, role: 'admin' },
    headers: { Origin: baseURL ?? '' },
  })
  expect(response.status()).toBe(403)
  const settings = await page.goto(`/w/${owner.workspaceId}/settings`)
  expect(settings?.status()).toBe(403)
})

test("another user cannot see or change someone else's workspace", async ({ page, login, navigate, baseURL }) => {
  const owner = await createUser({ name: 'Private' })
  await login({ name: 'Stranger' })

  for (const path of [`/w/${owner.workspaceId}`, `/w/${owner.workspaceId}/members`, `/w/${owner.workspaceId}/settings`]) {
    const response = await page.goto(path)
    expect(response?.status(), path).toBe(404)
    await expect(page.getByRole('heading', { name: 'Workspace not found' })).toBeVisible()
  }
  const rename = await page.request.post(`/w/${owner.workspaceId}/settings`, {
    form: { intent: 'rename-workspace', name: 'Hijacked' },
    headers: { Origin: baseURL ?? '' },
  })
  expect(rename.status()).toBe(404)
  const switchTo = await page.request.post('/workspaces/switch', {
    form: { workspaceId: owner.workspaceId },
    headers: { Origin: baseURL ?? '' },
    maxRedirects: 0,
  })
  expect(switchTo.status()).toBe(404)
  await navigate('/')
  await expect(page.getByRole('heading', { level: 1, name: "Stranger's workspace" })).toBeVisible()
})
