import type { Page } from '@playwright/test'
import { addMember } from '#app/models/workspace.server.ts'
import { type TestUser, createUser, demo, expect, expectNoAxeViolations, signIn, test } from '#tests/fixtures.ts'

// axe takes about a second a page on two cores (more without JavaScript, where each scan opens a helper page).
test.describe.configure({ timeout: 120_000 })

async function ownerWithServers(page: Page, baseURL: string | undefined) {
  const owner = await createUser({ name: 'Axe Owner' })
  await signIn(page, owner, baseURL ?? '')
  const ws = `/w/${owner.workspaceId}`
  const paths: string[] = []
  for (const [name, url] of [
    ['Axe demo', demo.url],
    ['Key demo', demo.keyUrl],
  ] as const) {
    await page.goto(`${ws}/servers/new`)
    await page.getByLabel('Name').fill(name)
    await page.getByLabel('MCP endpoint URL').fill(url)
    await page.getByRole('button', { name: 'Add server' }).click()
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
    paths.push(new URL(page.url()).pathname)
  }
  return { owner, ws, serverPath: paths[0] ?? '', keyServerPath: paths[1] ?? '' }
}

test('signed-out pages and a form showing errors pass an axe scan', async ({ page }) => {
  for (const path of ['/', '/login', '/signup']) {
    await page.goto(path)
    await expectNoAxeViolations(page)
  }
  await page.goto('/signup')
  const signupForm = page.locator('form', { has: page.getByRole('button', { name: 'Create account' }) })
  await signupForm.evaluate((form) => form.setAttribute('novalidate', ''))
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByText('Enter your name')).toBeVisible()
  await expectNoAxeViolations(page)
})

test('workspace pages pass an axe scan', async ({ page, baseURL }) => {
  const owner: TestUser = await createUser({ name: 'Axe Owner' })
  const member = await createUser({ name: 'Axe Member' })
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  await signIn(page, owner, baseURL ?? '')
  const ws = `/w/${owner.workspaceId}`
  for (const path of [ws, `${ws}/members`, `${ws}/members/${member.id}/remove`, `${ws}/settings`, `${ws}/audit`, '/workspaces/new', `${ws}/nope`]) {
    await page.goto(path)
    await expectNoAxeViolations(page)
  }
})

test('server pages pass an axe scan', async ({ page, baseURL }) => {
  const { ws, serverPath, keyServerPath } = await ownerWithServers(page, baseURL)
  await expectNoAxeViolations(page)
  for (const path of [`${ws}/servers/new`, `${ws}/servers`, serverPath, keyServerPath, `${serverPath}/edit`, `${serverPath}/delete`, `${serverPath}/disconnect`, `${ws}/tools`]) {
    await page.goto(path)
    await expectNoAxeViolations(page)
  }
})

test('tool pages, with their results and argument errors, pass an axe scan', async ({ page, baseURL }) => {
  const { serverPath } = await ownerWithServers(page, baseURL)
  for (const tool of ['color_swatch', 'beep', 'get_document', 'create_ticket', 'fail', 'add']) {
    await page.goto(`${serverPath}/tools/${tool}`)
    await expectNoAxeViolations(page)
    const runForm = page.locator('form', { has: page.getByRole('button', { name: 'Run tool' }) })
    if (tool === 'create_ticket') await runForm.evaluate((form) => form.setAttribute('novalidate', ''))
    if (tool === 'color_swatch') await page.getByRole('combobox', { name: 'color (required)' }).selectOption('red')
    if (tool === 'get_document') await page.getByRole('combobox', { name: 'name (required)' }).selectOption('readme')
    if (tool === 'add') {
      await page.getByRole('spinbutton', { name: 'a (required)' }).fill('1')
      await page.getByRole('spinbutton', { name: 'b (required)' }).fill('2')
    }
    await page.getByRole('button', { name: 'Run tool' }).click()
    if (tool === 'create_ticket') await expect(page.getByText('Required').first()).toBeVisible()
    else await expect(page.getByRole('region', { name: 'Result' })).toBeVisible()
    await expectNoAxeViolations(page)
  }
})
