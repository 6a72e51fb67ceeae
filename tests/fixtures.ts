import AxeBuilder from '@axe-core/playwright'
import { type Browser, test as base, expect, type Page } from '@playwright/test'
import { createSession } from '#app/utils/session.server.ts'
import { type TestUser, createUser } from '#tests/utils.ts'

export { expect }
// One home for test users, shared with the Vitest suites.
export { type TestUser, createUser, uniqueEmail } from '#tests/utils.ts'

/** Signs `user` in on `page` by creating a session with the app's session code and setting its cookie. */
export async function signIn(page: Page, user: TestUser, baseURL: string): Promise<void> {
  const setCookie = await createSession(new Request(baseURL), user.id)
  const [pair] = setCookie.split(';')
  const separator = pair?.indexOf('=') ?? -1
  if (!pair || separator < 1) throw new Error('createSession returned no cookie')
  await page.context().addCookies([
    {
      name: pair.slice(0, separator),
      value: pair.slice(separator + 1),
      url: baseURL,
      httpOnly: true,
      sameSite: 'Lax',
    },
  ])
}

export const test = base.extend<{
  /** Creates a user and signs them in on this test's page. */
  login: (options?: { name?: string; email?: string }) => Promise<TestUser>
  /** Goes to an app path and waits until the page is ready (hydrated when JavaScript is on). */
  navigate: (path: string) => Promise<void>
}>({
  login: async ({ page, baseURL }, use) => {
    await use(async (options) => {
      const user = await createUser(options)
      await signIn(page, user, baseURL ?? '')
      return user
    })
  },
  navigate: async ({ page, javaScriptEnabled }, use) => {
    await use(async (path) => {
      await page.goto(path)
      if (javaScriptEnabled) await waitForHydration(page)
    })
  },
})

/** Waits until React has hydrated, so that clicks go through Remix rather than a full page load. */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true')
}

/** The demo MCP servers that tests/playwright.config.ts starts for the run. */
export const demo = {
  url: process.env.E2E_DEMO_URL ?? 'http://127.0.0.1:3201/mcp',
  keyUrl: process.env.E2E_DEMO_KEY_URL ?? 'http://127.0.0.1:3202/mcp',
  apiKey: 'e2e-demo-key-4711',
  /** The OAuth demo's MCP server; its authorization server (`oauthIssuer`) shows sign-in and consent pages. */
  oauthUrl: process.env.E2E_DEMO_OAUTH_URL ?? 'http://127.0.0.1:3203/mcp',
  oauthIssuer: process.env.E2E_DEMO_OAUTH_ISSUER ?? 'http://127.0.0.1:3204',
  /** Open, and speaks only MCP 2026-07-28 (scripts/demo/mcp-server-v2.ts). */
  modernUrl: process.env.E2E_DEMO_2026_URL ?? 'http://127.0.0.1:3205/mcp',
}

/**
 * Runs axe (WCAG 2.1 A/AA and best practices) on what the page shows now and fails with the
 * violations listed. In the js-off project axe cannot run inside the page, so the same HTML is
 * scanned in a helper page that has JavaScript for axe but never loads the app's scripts.
 */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const javaScriptEnabled = test.info().project.use.javaScriptEnabled !== false
  if (javaScriptEnabled) return scan(page, page.url())
  const html = await page.content()
  const url = page.url()
  const browser = page.context().browser()
  if (!browser) throw new Error('The page has no browser to open a scan context in')
  // One helper page per worker's browser, reused by every scan (a new context each time cost more
  // than many scans); each scan routes the document anew.
  let opened = scanPages.get(browser)
  if (!opened) {
    opened = browser.newContext({ javaScriptEnabled: true }).then((context) => context.newPage())
    scanPages.set(browser, opened)
  }
  const helper = await opened
  await helper.unrouteAll({ behavior: 'ignoreErrors' })
  await helper.route('**/*', (route) => {
    const request = route.request()
    if (request.url() === url && request.resourceType() === 'document') {
      return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html })
    }
    return request.resourceType() === 'script' ? route.abort() : route.continue()
  })
  await helper.goto(url)
  await scan(helper, url)
}

/** The js-off scans' helper page, per browser (one per worker). */
const scanPages = new WeakMap<Browser, Promise<Page>>()

async function scan(page: Page, url: string): Promise<void> {
  // Legacy mode runs axe.run() in the page itself. The default runs axe in every frame, then opens a blank page
  // to combine the results (for cross-origin iframes, which Switchboard's pages do not have): about twice the time
  // a scan (0.96 s against 0.53 s on /signup, docs/decisions/020-test-suite-speed.md), with the same rules.
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .setLegacyMode()
    .analyze()
  const summary = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  )
  expect(summary, `axe violations on ${url}`).toEqual([])
}
