import { randomBytes } from 'node:crypto'
import { test as base, expect, type Page } from '@playwright/test'
import { createAccount } from '#app/utils/auth.server.ts'
import { createSession } from '#app/utils/session.server.ts'

export { expect }

export type TestUser = { id: string; name: string; email: string; password: string; workspaceId: string }

/** A unique, valid email for one test. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.test`
}

/** Creates an account (with its personal workspace) through the app's own code. */
export async function createUser(options: { name?: string; email?: string } = {}): Promise<TestUser> {
  const name = options.name ?? `Tester ${randomBytes(2).toString('hex')}`
  const email = options.email ?? uniqueEmail()
  const password = `pw-${randomBytes(12).toString('base64url')}`
  const { userId, workspaceId } = await createAccount({ name, email, password })
  return { id: userId, name, email, password, workspaceId }
}

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
