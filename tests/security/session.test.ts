// Session fixation and session cookies: a session id chosen or planted by someone else is never
// adopted by a sign-in (or a sign-up), ids in any other shape are ignored, a copy of the
// database's session keys cannot be replayed as cookies, and the cookies carry HttpOnly,
// SameSite=Lax, Path=/ everywhere, plus Secure and the __Host- prefix on an https PUBLIC_URL.
import { randomBytes } from 'node:crypto'
import { createCookie } from '@remix-run/node'
import { beforeAll, expect, test, vi } from 'vitest'
import { action as loginAction } from '#app/routes/login.tsx'
import { action as signupAction } from '#app/routes/signup.tsx'
import { getUser } from '#app/utils/auth.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { BASE_URL, cookieHeaderFrom, createTestUser, formRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf, uniqueEmail } from '#tests/utils.ts'

/** A Cookie header carrying `value` as the session cookie, encoded the way the app's cookie library encodes it. */
async function plantedCookie(value: unknown, name = 'sb_session'): Promise<string> {
  return cookieHeaderFrom(await createCookie(name, { path: '/' }).serialize(value))
}

/** The raw session id a Set-Cookie header hands out (decoded by the same library). */
async function sessionIdIn(setCookies: string[]): Promise<string | null> {
  const header = setCookies.find((cookie) => cookie.startsWith('sb_session='))
  if (!header) return null
  const value: unknown = await createCookie('sb_session').parse(cookieHeaderFrom(header))
  return typeof value === 'string' ? value : null
}

// Shared by the tests that do not count sessions (password hashing is slow on purpose).
let someone: Awaited<ReturnType<typeof createTestUser>>

beforeAll(async () => {
  someone = await createTestUser('Session tests')
})

function signedInAs(cookie: string) {
  return getUser(new Request(BASE_URL, { headers: { Cookie: cookie } }))
}

test('an attacker-chosen session id is never adopted: signing in issues a new random id, and the chosen one signs nobody in', async () => {
  const victim = await createTestUser('Fixation victim')
  // Well-formed (43 base64url characters), so the app reads it rather than discarding it.
  const chosen = randomBytes(32).toString('base64url')
  const planted = await plantedCookie(chosen)
  expect(await signedInAs(planted)).toBeNull()

  const result = await settle(() =>
    loginAction({ request: formRequest('/login', { email: victim.email, password: victim.password }, planted), params: {}, context: loadContext() }),
  )
  expect(statusOf(result)).toBe(302)
  const issued = await sessionIdIn(headersOf(result).getSetCookie())
  expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/)
  expect(issued).not.toBe(chosen)
  expect((await signedInAs(await plantedCookie(issued)))?.id).toBe(victim.id)
  expect(await signedInAs(planted)).toBeNull()
  expect(await getDb().session.count({ where: { userId: victim.id } })).toBe(1)
})

test('an attacker-chosen session id is not adopted by signing up either', async () => {
  const chosen = randomBytes(32).toString('base64url')
  const planted = await plantedCookie(chosen)
  const email = uniqueEmail('fixation')
  const result = await settle(() =>
    signupAction({ request: formRequest('/signup', { name: 'New person', email, password: 'a long enough password' }, planted), params: {}, context: loadContext() }),
  )
  expect(statusOf(result)).toBe(302)
  const issued = await sessionIdIn(headersOf(result).getSetCookie())
  expect(issued).not.toBeNull()
  expect(issued).not.toBe(chosen)
  expect((await signedInAs(await plantedCookie(issued)))?.email).toBe(email)
  expect(await signedInAs(planted)).toBeNull()
})

test("the attacker's own session planted in the victim's browser ends when the victim signs in and never becomes the victim's", async () => {
  const attacker = someone
  const victim = await createTestUser('Planted on')
  const attackerCookie = await sessionCookieFor(attacker.id)
  expect((await signedInAs(attackerCookie))?.id).toBe(attacker.id)
  const result = await settle(() =>
    loginAction({ request: formRequest('/login', { email: victim.email, password: victim.password }, attackerCookie), params: {}, context: loadContext() }),
  )
  expect(statusOf(result)).toBe(302)
  const fresh = cookieHeaderFrom(...headersOf(result).getSetCookie().filter((cookie) => cookie.startsWith('sb_session=')))
  expect(fresh).not.toBe(attackerCookie)
  expect((await signedInAs(fresh))?.id).toBe(victim.id)
  // The attacker's copy of the cookie leads nowhere: not to the victim, not even to the attacker.
  expect(await signedInAs(attackerCookie)).toBeNull()
})

test('session cookies of any other shape are ignored, and the keys stored in the database cannot be replayed as cookies', async () => {
  const user = someone
  const real = await sessionCookieFor(user.id)
  expect((await signedInAs(real))?.id).toBe(user.id)
  const [row] = await getDb().session.findMany({ where: { userId: user.id }, select: { id: true } })
  expect(row).toBeDefined()
  const shapes: unknown[] = [
    // A stolen copy of the Session table: its ids are keyed hashes, not cookie values.
    row?.id,
    row?.id.slice(0, 43),
    `${randomBytes(32).toString('base64url')}A`,
    "' OR 1=1 --",
    { id: row?.id },
    [row?.id],
    'x'.repeat(5000),
  ]
  for (const shape of shapes) {
    expect(await signedInAs(await plantedCookie(shape)), JSON.stringify(shape)?.slice(0, 80)).toBeNull()
  }
  // A raw, unencoded value (not what the app ever sets) is ignored too.
  expect(await signedInAs(`sb_session=${row?.id ?? ''}`)).toBeNull()
  // The real session still works: none of this touched it.
  expect((await signedInAs(real))?.id).toBe(user.id)
})

/** Set-Cookie attributes by lower-cased name (value-less flags map to ''). */
function attributes(setCookie: string): Map<string, string> {
  const parts = setCookie.split(';').slice(1)
  return new Map(parts.map((part) => {
    const [name = '', ...value] = part.trim().split('=')
    return [name.toLowerCase(), value.join('=')]
  }))
}

test('on an http PUBLIC_URL the session, device and flash cookies are HttpOnly, SameSite=Lax, Path=/ and host-only', async () => {
  const user = someone
  const result = await settle(() =>
    loginAction({ request: formRequest('/login', { email: user.email, password: user.password }), params: {}, context: loadContext() }),
  )
  const setCookies = headersOf(result).getSetCookie()
  const session = setCookies.find((cookie) => cookie.startsWith('sb_session='))
  const flash = setCookies.find((cookie) => cookie.startsWith('sb_flash='))
  const device = setCookies.find((cookie) => cookie.startsWith('sb_device='))
  for (const cookie of [session, flash, device]) {
    expect(cookie).toBeDefined()
    const flags = attributes(cookie ?? '')
    expect(flags.has('httponly'), cookie).toBe(true)
    expect(flags.get('samesite')?.toLowerCase(), cookie).toBe('lax')
    expect(flags.get('path'), cookie).toBe('/')
    expect(flags.has('domain'), cookie).toBe(false)
  }
  expect(attributes(session ?? '').get('max-age')).toBe(String(30 * 24 * 60 * 60))
})

test('on an https PUBLIC_URL every cookie is Secure, the session and device cookies are __Host- prefixed, the session cookie also when cleared', async () => {
  const user = someone
  const saved = process.env.PUBLIC_URL
  process.env.PUBLIC_URL = 'https://switchboard.example.com'
  vi.resetModules()
  try {
    // A fresh module graph parses the environment again.
    const login = await import('#app/routes/login.tsx')
    const logout = await import('#app/routes/logout.ts')
    const result = await settle(() =>
      login.action({ request: formRequest('/login', { email: user.email, password: user.password }), params: {}, context: loadContext() }),
    )
    expect(statusOf(result)).toBe(302)
    const setCookies = headersOf(result).getSetCookie()
    const session = setCookies.find((cookie) => cookie.startsWith('__Host-sb_session='))
    expect(session, setCookies.join('\n')).toBeDefined()
    expect(setCookies.some((cookie) => cookie.startsWith('sb_session='))).toBe(false)
    const device = setCookies.find((cookie) => cookie.startsWith('__Host-sb_device='))
    expect(device, setCookies.join('\n')).toBeDefined()
    expect(setCookies.some((cookie) => cookie.startsWith('sb_device='))).toBe(false)
    const flash = setCookies.find((cookie) => cookie.startsWith('sb_flash='))
    for (const cookie of [session, flash, device]) {
      const flags = attributes(cookie ?? '')
      expect(flags.has('secure'), cookie).toBe(true)
      expect(flags.has('httponly'), cookie).toBe(true)
      expect(flags.get('samesite')?.toLowerCase(), cookie).toBe('lax')
      expect(flags.get('path'), cookie).toBe('/')
      // __Host- cookies must not name a Domain (RFC 6265bis §4.1.3.2).
      expect(flags.has('domain'), cookie).toBe(false)
    }
    const cookie = cookieHeaderFrom(session ?? null)
    const signedOut = await settle(() => logout.action({ request: formRequest('/logout', {}, cookie), params: {}, context: loadContext() }))
    const cleared = headersOf(signedOut).getSetCookie().find((value) => value.startsWith('__Host-sb_session='))
    expect(cleared).toBeDefined()
    const clearedFlags = attributes(cleared ?? '')
    expect(clearedFlags.get('max-age')).toBe('0')
    expect(clearedFlags.has('secure')).toBe(true)
    expect(clearedFlags.get('path')).toBe('/')
  } finally {
    process.env.PUBLIC_URL = saved
    vi.resetModules()
  }
})
