import { randomBytes } from 'node:crypto'
import type { AppLoadContext } from '@remix-run/node'
import { createAccountWithHash } from '#app/utils/auth.server.ts'
import { readFlash } from '#app/utils/flash.server.ts'
import { hashPassword } from '#app/utils/password.server.ts'
import { createSession } from '#app/utils/session.server.ts'

export const BASE_URL = 'http://127.0.0.1:3000'

/** A unique, valid email for one test. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.test`
}

export type TestUser = { id: string; name: string; email: string; password: string; workspaceId: string }

/**
 * Creates an account (with its personal workspace) through the app's own code, with a random password.
 * The Vitest suites and the browser tests (tests/fixtures.ts) both make their users here.
 */
export async function createUser(options: { name?: string; email?: string } = {}): Promise<TestUser> {
  const name = options.name ?? `Tester ${randomBytes(2).toString('hex')}`
  const email = options.email ?? uniqueEmail()
  const { password, passwordHash } = await testPassword()
  const { userId, workspaceId } = await createAccountWithHash({ name, email, passwordHash })
  return { id: userId, name, email, password, workspaceId }
}

let sharedPassword: Promise<{ password: string; passwordHash: string }> | undefined

/**
 * A password for a new test user and its hash. The browser tests' workers run with the production environment, where
 * each hash costs the production scrypt (~0.4 s of a core, 128 MiB): the users one worker process makes share one
 * password, hashed once (each still signs in with it; the hashes are the app's own). Vitest hashes cheaply
 * (docs/decisions/020-test-suite-speed.md) and gives every user a password of their own.
 */
function testPassword(): Promise<{ password: string; passwordHash: string }> {
  const fresh = async () => {
    const password = `pw-${randomBytes(12).toString('base64url')}`
    return { password, passwordHash: await hashPassword(password) }
  }
  if (process.env.NODE_ENV === 'test') return fresh()
  sharedPassword ??= fresh()
  return sharedPassword
}

/** A new user named `name` (random when omitted). */
export function createTestUser(name?: string): Promise<TestUser> {
  return createUser({ name })
}

/** A new user and the Cookie header of a session of theirs (see sessionCookieFor). */
export type TestAccount = { user: TestUser; cookie: string }

/** A new user named `name`, signed in: most suites' one account for the whole file. */
export async function createTestAccount(name?: string): Promise<TestAccount> {
  const user = await createTestUser(name)
  return { user, cookie: await sessionCookieFor(user.id) }
}

/** The `Cookie` request header that carries the Set-Cookie values given. */
export function cookieHeaderFrom(...setCookies: Array<string | null>): string {
  return setCookies
    .filter((value): value is string => Boolean(value))
    .map((value) => value.split(';')[0])
    .join('; ')
}

/** A Cookie header for a new session of `userId`, made by the app's own session code. */
export async function sessionCookieFor(userId: string): Promise<string> {
  return cookieHeaderFrom(await createSession(new Request(BASE_URL), userId))
}

/** The flash message a redirect (a Response or `data()` result) carries to the next page. */
export async function flashOf(result: unknown) {
  const cookie = cookieHeaderFrom(...headersOf(result).getSetCookie())
  const { flash } = await readFlash(new Request(BASE_URL, { headers: { Cookie: cookie } }))
  return flash
}

export function loadContext(overrides: Partial<AppLoadContext> = {}): AppLoadContext {
  return { clientIp: '203.0.113.10', cspNonce: 'test-nonce', requestId: 'test-request', ...overrides }
}

/** A form POST to an app path, as a browser on the app's origin would send it. */
export function formRequest(path: string, fields: Record<string, string>, cookie?: string): Request {
  const headers = new Headers({ Origin: BASE_URL })
  if (cookie) headers.set('Cookie', cookie)
  return new Request(new URL(path, BASE_URL), { method: 'POST', headers, body: new URLSearchParams(fields) })
}

export function getRequest(path: string, cookie?: string): Request {
  return new Request(new URL(path, BASE_URL), { headers: cookie ? { Cookie: cookie } : {} })
}

/** Runs a loader/action and returns what it returned or threw (Remix treats both as the response). */
export async function settle<T>(fn: () => Promise<T>): Promise<T | Response> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof Response) return error
    throw error
  }
}

/** The status and body of a `data()` result or a Response. */
export function statusOf(result: unknown): number {
  if (result instanceof Response) return result.status
  if (isDataWithResponseInit(result)) return result.init?.status ?? 200
  return 200
}

export function headersOf(result: unknown): Headers {
  if (result instanceof Response) return result.headers
  if (isDataWithResponseInit(result)) return new Headers(result.init?.headers)
  return new Headers()
}

export function dataOf(result: unknown): unknown {
  return isDataWithResponseInit(result) ? result.data : result
}

type DataWithResponseInit = { type: 'DataWithResponseInit'; data: unknown; init: ResponseInit | null }

function isDataWithResponseInit(value: unknown): value is DataWithResponseInit {
  return typeof value === 'object' && value !== null && 'type' in value && value.type === 'DataWithResponseInit'
}
