// The shell around every page (issue 11, points 4, 7, 9, 13 and 25): unknown paths render without a hydration
// failure, the keyboard and screen-reader paths (skip link, error summary, route announcements), the phone menu,
// dark mode, and the demo authorization server's way back to Switchboard.
import { type Page } from '@playwright/test'
import { createUser, demo, expect, expectNoAxeViolations, test, waitForHydration } from '#tests/fixtures.ts'

/** Console errors and page errors, minus the browser's own line about the document's 404 status. */
function collectErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return errors
}

test.describe('unknown paths', () => {
  for (const path of ['/login/x', '/w/x/y/z/q', '/no-such-page']) {
    test(`${path} answers 404 and hydrates without errors`, async ({ page, login, javaScriptEnabled }) => {
      const errors = collectErrors(page)
      await login({ name: 'Wanderer' })
      const response = await page.goto(path)
      expect(response?.status()).toBe(404)
      await expect(page.getByRole('heading', { level: 1, name: /not found/i })).toBeVisible()
      if (javaScriptEnabled) {
        await waitForHydration(page)
        // A hydration failure shows up a moment after the hydrated marker (React retries as a client render).
        await page.waitForLoadState('networkidle')
      }
      expect(errors).toEqual([])
    })
  }

  test('an unknown path inside your workspace keeps the workspace menu', async ({ page, login, javaScriptEnabled }) => {
    const errors = collectErrors(page)
    const user = await login({ name: 'Lost' })
    const response = await page.goto(`/w/${user.workspaceId}/y/z/q`)
    expect(response?.status()).toBe(404)
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible()
    await expect(page.getByRole('navigation', { name: 'Workspace sections' })).toBeVisible()
    if (javaScriptEnabled) {
      await waitForHydration(page)
      await page.waitForLoadState('networkidle')
    }
    expect(errors).toEqual([])
  })
})

test('the skip link moves past the menu to the content', async ({ page, login, navigate }) => {
  const user = await login({ name: 'Kira' })
  await navigate(`/w/${user.workspaceId}/members`)
  await page.keyboard.press('Tab')
  const skip = page.getByRole('link', { name: 'Skip to content' })
  await expect(skip).toBeFocused()
  await page.keyboard.press('Enter')
  // The main landmark holds the page, not the menu.
  const main = page.getByRole('main')
  await expect(main.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible()
  await expect(main.getByRole('navigation', { name: 'Workspace sections' })).toHaveCount(0)
  // The next Tab lands inside the content, not on the first link of the menu.
  await page.keyboard.press('Tab')
  const inContent = await page.evaluate(() => Boolean(document.activeElement?.closest('main')))
  expect(inContent).toBe(true)
})

test('a form the server refuses: the error summary comes first, is focused, and the title says Error', async ({
  page,
  javaScriptEnabled,
}) => {
  const user = await createUser({ name: 'Errol' })
  await page.goto('/login')
  if (javaScriptEnabled) await waitForHydration(page)
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill('not the password at all')
  await page.getByRole('button', { name: 'Sign in' }).click()

  const summary = page.locator('[data-error-summary]')
  await expect(summary).toContainText('There is a problem')
  await expect(summary).toContainText('One thing needs fixing')
  await expect(page.getByText('Email or password is incorrect.')).toBeVisible()
  await expect(page).toHaveTitle(/^Error: Sign in/)
  // First in the content: before the page's heading, for a screen reader reading on and for Tab.
  const first = await page.evaluate(() => document.querySelector('main')?.querySelector('[data-error-summary], h1')?.tagName)
  expect(first).toBe('DIV')
  if (javaScriptEnabled) {
    await expect(summary).toBeFocused()
    // A second try that fails again moves focus there again.
    await page.getByLabel('Password').focus()
    await page.getByLabel('Password').fill('still not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(summary).toBeFocused()
  }
  await expectNoAxeViolations(page)
})

test('a page reached in place is announced by its title', async ({ page, login, navigate, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'Without JavaScript every page is a full load, which the browser announces itself.')
  const user = await login({ name: 'Ann' })
  await navigate(`/w/${user.workspaceId}`)
  const announcer = page.locator('[data-route-announcer]')
  await expect(announcer).toHaveAttribute('aria-live', 'polite')
  await expect(announcer).toHaveText('')
  await page.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link', { name: 'Members' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible()
  await expect(announcer).toHaveText('Members · Switchboard')
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } })

  test('the workspace menu is one line until opened', async ({ page, login, navigate }) => {
    const user = await login({ name: 'Mo' })
    await navigate(`/w/${user.workspaceId}/members`)
    const sections = page.getByRole('navigation', { name: 'Workspace sections' })
    await expect(sections).toBeHidden()
    const sidebar = await page.locator('.sidebar').boundingBox()
    expect(sidebar?.height ?? 999).toBeLessThan(90)
    // The page's heading is in the first screen, right under the menu button.
    await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeInViewport()

    await page.getByText('Menu', { exact: true }).click()
    await expect(sections).toBeVisible()
    await sections.getByRole('link', { name: 'Servers' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible()
    await expectNoAxeViolations(page)
  })
})

test('on a wide screen the menu is always open, without a Menu button', async ({ page, login, navigate }) => {
  const user = await login({ name: 'Wes' })
  await navigate(`/w/${user.workspaceId}`)
  await expect(page.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link', { name: 'Members' })).toBeVisible()
  await expect(page.getByText('Menu', { exact: true })).toBeHidden()
})

test.describe('in dark mode', () => {
  test.use({ colorScheme: 'dark' })

  test('pages switch to the dark palette and keep their contrast', async ({ page, login, navigate }) => {
    await navigate('/login')
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(background).toBe('rgb(15, 20, 25)')
    await expectNoAxeViolations(page)
    const user = await login({ name: 'Dee' })
    for (const path of [`/w/${user.workspaceId}`, `/w/${user.workspaceId}/servers/new`, `/w/${user.workspaceId}/members`]) {
      await navigate(path)
      await expectNoAxeViolations(page)
    }
  })
})

test('Back after the OAuth round trip: the demo says the sign-in expired and links back to Switchboard', async ({
  page,
  baseURL,
  login,
  navigate,
  javaScriptEnabled,
}) => {
  test.setTimeout(60_000)
  const user = await login({ name: 'Bea' })
  await navigate(`/w/${user.workspaceId}/servers/new`)
  await page.getByLabel('Name').fill('Demo OAuth')
  await page.getByLabel('MCP endpoint URL').fill(demo.oauthUrl)
  await page.getByRole('button', { name: 'Add server' }).click()

  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible()
  const back = page.getByRole('link', { name: 'Back to Switchboard' })
  const appOrigin = new URL(baseURL ?? '').origin
  await expect(back).toHaveAttribute('href', appOrigin)
  await expectNoAxeViolations(page)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Allow access?' })).toBeVisible()
  await expect(back).toBeVisible()
  await page.getByRole('button', { name: 'Allow' }).click()
  await expect(page).toHaveURL(new RegExp(`/w/${user.workspaceId}/servers/`))
  if (javaScriptEnabled) await waitForHydration(page)

  await page.goBack()
  await expect(page.getByRole('heading', { level: 1, name: 'Sign-in expired' })).toBeVisible()
  await expectNoAxeViolations(page)
  await back.click()
  await expect(page).toHaveURL((url) => url.origin === appOrigin)
})
