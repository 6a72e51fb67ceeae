import { expect, test } from 'vitest'
import { action as loginAction } from '#app/routes/login.tsx'
import { action as logoutAction } from '#app/routes/logout.ts'
import { action as signupAction, loader as signupLoader } from '#app/routes/signup.tsx'
import { loader as workspaceLoader } from '#app/routes/w.$workspaceId.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { LOGIN_FAILURES_PER_ACCOUNT } from '#app/utils/throttle.server.ts'
import {
  cookieHeaderFrom,
  createTestUser,
  dataOf,
  formRequest,
  getRequest,
  headersOf,
  loadContext,
  sessionCookieFor,
  settle,
  statusOf,
  uniqueEmail,
} from '#tests/utils.ts'

const params = {}

test('signing up creates the account, its personal workspace with the user as owner, and a session', async () => {
  const email = uniqueEmail('signup')
  const result = await settle(() =>
    signupAction({
      request: formRequest('/signup', { name: '  Ada  ', email: `  ${email.toUpperCase()} `, password: 'a long enough password' }),
      params,
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
  const user = await getDb().user.findUniqueOrThrow({
    where: { email },
    select: { id: true, name: true, passwordHash: true, memberships: { select: { role: true, workspace: true } } },
  })
  expect(user.name).toBe('Ada')
  expect(user.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/)
  expect(user.passwordHash).not.toContain('a long enough password')
  expect(user.memberships).toHaveLength(1)
  expect(user.memberships[0]).toMatchObject({ role: 'owner', workspace: { personal: true, name: "Ada's workspace" } })
  expect(headersOf(result).get('Location')).toBe(`/w/${user.memberships[0]?.workspace.id}`)

  const setCookies = headersOf(result).getSetCookie()
  const session = setCookies.find((c) => c.startsWith('sb_session='))
  expect(session).toMatch(/HttpOnly/i)
  expect(session).toMatch(/SameSite=Lax/i)
  expect(session).toMatch(/Path=\//)
  expect(await getDb().session.count({ where: { userId: user.id } })).toBe(1)
})

test('signing up with a taken email (any case) answers 400 on the email field and changes nothing', async () => {
  const existing = await createTestUser()
  const before = await getDb().user.count()
  const result = await settle(() =>
    signupAction({
      request: formRequest('/signup', { name: 'Other', email: existing.email.toUpperCase(), password: 'another good password' }),
      params,
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(400)
  expect(JSON.stringify(dataOf(result))).toContain('An account with this email already exists')
  expect(await getDb().user.count()).toBe(before)
})

test.each([
  ['malformed email', { name: 'A', email: 'nope', password: 'good password here' }, 'Enter an email address'],
  ['short password', { name: 'A', email: 'a@example.test', password: 'short' }, 'Use at least 10 characters'],
  ['huge password', { name: 'A', email: 'a@example.test', password: 'x1y2z3w4'.repeat(40) }, 'Use at most 200 characters'],
  ['repetitive password', { name: 'A', email: 'a@example.test', password: 'aaaaaaaaaaaa' }, 'too easy to guess'],
  ['missing name', { email: 'a@example.test', password: 'good password here' }, 'Enter your name'],
])('sign-up refuses a %s with a readable message and creates nothing', async (_label, fields, message) => {
  const before = await getDb().user.count()
  const result = await settle(() => signupAction({ request: formRequest('/signup', fields), params, context: loadContext() }))
  expect(statusOf(result)).toBe(400)
  const body = JSON.stringify(dataOf(result))
  expect(body).toContain(message)
  // The reply never carries the password back.
  if (fields.password) expect(body).not.toContain(fields.password)
  expect(await getDb().user.count()).toBe(before)
})

test('a signed-in user who opens the sign-up page is sent home', async () => {
  const user = await createTestUser()
  const result = await settle(() => signupLoader({ request: getRequest('/signup', ''), params, context: loadContext() }))
  expect(result).toBeNull()
  const cookie = await sessionCookieFor(user.id)
  const redirected = await settle(() => signupLoader({ request: getRequest('/signup', cookie), params, context: loadContext() }))
  expect(statusOf(redirected)).toBe(302)
})

test('signing in replaces any session id the browser already had (no session fixation)', async () => {
  const user = await createTestUser()
  const planted = await sessionCookieFor(user.id)
  const result = await settle(() =>
    loginAction({
      request: formRequest('/login', { email: user.email, password: user.password }, planted),
      params,
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
  const fresh = cookieHeaderFrom(headersOf(result).getSetCookie().find((c) => c.startsWith('sb_session=')) ?? null)
  expect(fresh).not.toBe(planted)
  // The planted id no longer works; the new one does.
  const withPlanted = await settle(() =>
    workspaceLoader({ request: getRequest(`/w/${user.workspaceId}`, planted), params: { workspaceId: user.workspaceId }, context: loadContext() }),
  )
  expect(statusOf(withPlanted)).toBe(302)
  const withFresh = await workspaceLoader({
    request: getRequest(`/w/${user.workspaceId}`, fresh),
    params: { workspaceId: user.workspaceId },
    context: loadContext(),
  })
  expect(withFresh.workspace.id).toBe(user.workspaceId)
})

test('sign-in sends the user only to same-site paths after signing in', async () => {
  const user = await createTestUser()
  for (const [redirectTo, expected] of [
    ['/w/abc/members', '/w/abc/members'],
    ['https://evil.example/', '/'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
  ] as const) {
    const result = await settle(() =>
      loginAction({
        request: formRequest('/login', { email: user.email, password: user.password, redirectTo }),
        params,
        context: loadContext(),
      }),
    )
    expect(headersOf(result).get('Location'), redirectTo).toBe(expected)
  }
})

test('after too many wrong passwords the account is throttled, even for the right password, and other accounts are not', async () => {
  const user = await createTestUser()
  const other = await createTestUser()
  const attempt = (email: string, password: string, ip: string) =>
    settle(() => loginAction({ request: formRequest('/login', { email, password }), params, context: loadContext({ clientIp: ip }) }))
  for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT.limit; i++) {
    // Spread over addresses so that only the per-account limit is reached.
    expect(statusOf(await attempt(user.email, 'wrong password!', `198.51.100.${i}`))).toBe(400)
  }
  const throttled = await attempt(user.email, user.password, '198.51.100.200')
  expect(statusOf(throttled)).toBe(429)
  expect(headersOf(throttled).get('Retry-After')).toMatch(/^\d+$/)
  expect(JSON.stringify(dataOf(throttled))).toContain('Too many failed sign-in attempts')
  expect(statusOf(await attempt(other.email, other.password, '198.51.100.201'))).toBe(302)
})

test('too many failures from one address throttle that address for every account', async () => {
  const { LOGIN_FAILURES_PER_IP } = await import('#app/utils/throttle.server.ts')
  const user = await createTestUser()
  const ip = '192.0.2.77'
  const { recordThrottledEvent } = await import('#app/utils/throttle.server.ts')
  for (let i = 0; i < LOGIN_FAILURES_PER_IP.limit; i++) await recordThrottledEvent(`login-ip:${ip}`, LOGIN_FAILURES_PER_IP)
  const result = await settle(() =>
    loginAction({ request: formRequest('/login', { email: user.email, password: user.password }), params, context: loadContext({ clientIp: ip }) }),
  )
  expect(statusOf(result)).toBe(429)
  const elsewhere = await settle(() =>
    loginAction({ request: formRequest('/login', { email: user.email, password: user.password }), params, context: loadContext({ clientIp: '192.0.2.78' }) }),
  )
  expect(statusOf(elsewhere)).toBe(302)
})

test('signing out deletes the session row and clears the cookie', async () => {
  const user = await createTestUser()
  const cookie = await sessionCookieFor(user.id)
  expect(await getDb().session.count({ where: { userId: user.id } })).toBe(1)
  const result = await settle(() => logoutAction({ request: formRequest('/logout', {}, cookie), params, context: loadContext() }))
  expect(statusOf(result)).toBe(302)
  expect(await getDb().session.count({ where: { userId: user.id } })).toBe(0)
  expect(headersOf(result).getSetCookie().find((c) => c.startsWith('sb_session='))).toMatch(/Max-Age=0/)
})

test('the database stores a keyed hash of the session id, never the cookie value', async () => {
  const user = await createTestUser()
  const cookie = await sessionCookieFor(user.id)
  const rows = await getDb().session.findMany({ where: { userId: user.id }, select: { id: true } })
  expect(rows).toHaveLength(1)
  expect(cookie).not.toContain(rows[0]?.id ?? '<none>')
  expect(rows[0]?.id).toMatch(/^[0-9a-f]{64}$/)
})
