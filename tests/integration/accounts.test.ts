import { createCookie } from '@remix-run/node'
import { expect, test, vi } from 'vitest'
import { action as loginAction } from '#app/routes/login.tsx'
import { action as logoutAction } from '#app/routes/logout.ts'
import { action as signupAction, loader as signupLoader } from '#app/routes/signup.tsx'
import { loader as workspaceLoader } from '#app/routes/w.$workspaceId.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { accountAddressThrottleKey, accountThrottleKey } from '#app/utils/auth.server.ts'
import {
  LOGIN_FAILURES_PER_ACCOUNT,
  LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
  LOGIN_FAILURES_PER_ACCOUNT_AND_DEVICE,
  LOGIN_FAILURES_PER_ADDRESS,
  SIGNUPS_PER_IP,
  reserveAttempt,
} from '#app/utils/throttle.server.ts'
import { recordFailure } from '#tests/integration/throttle-failures.ts'
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
  // The production password cost, not the suite's lowered one (tests/setup/setup-test-env.ts).
  vi.stubEnv('TEST_SCRYPT_LOG2_N', undefined)
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

const signInFrom = (email: string, password: string, address: string) =>
  settle(() => loginAction({ request: formRequest('/login', { email, password }), params, context: loadContext({ clientIp: address }) }))

/** Moves a throttle key's last failure `ms` into the past, as if the person had waited that long. */
async function waitOut(key: string, ms: number) {
  const row = await getDb().throttle.findUniqueOrThrow({ where: { key }, select: { lastEventAt: true } })
  await getDb().throttle.update({ where: { key }, data: { lastEventAt: new Date((row.lastEventAt?.getTime() ?? Date.now()) - ms) } })
}

function retryAfterSeconds(result: unknown): number {
  return Number(headersOf(result).get('Retry-After'))
}

test('a few wrong passwords from one address are free, then each further one doubles the wait, and the page says how long', async () => {
  const user = await createTestUser()
  const address = '198.51.100.7'
  const pairKey = accountAddressThrottleKey(user.email, address)
  for (let i = 0; i <= LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS.freeFailures; i++) {
    expect(statusOf(await signInFrom(user.email, 'wrong password!', address))).toBe(400)
  }

  // Past the free failures: even the right password waits, and the page says for how long.
  const first = await signInFrom(user.email, user.password, address)
  expect(statusOf(first)).toBe(429)
  expect(retryAfterSeconds(first)).toBeGreaterThan(0)
  expect(retryAfterSeconds(first)).toBeLessThanOrEqual(30)
  expect(JSON.stringify(dataOf(first))).toMatch(/Too many failed sign-in attempts\. Wait \d+ seconds?, then try again\./)
  // A refused attempt is not counted: the wait does not grow by trying during it.
  expect((await getDb().throttle.findUniqueOrThrow({ where: { key: pairKey } })).count).toBe(LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS.freeFailures + 1)

  await waitOut(pairKey, 30_000)
  expect(statusOf(await signInFrom(user.email, 'wrong again!!', address))).toBe(400)
  const second = await signInFrom(user.email, user.password, address)
  expect(statusOf(second)).toBe(429)
  expect(retryAfterSeconds(second)).toBeGreaterThan(30)
  expect(retryAfterSeconds(second)).toBeLessThanOrEqual(60)

  // After the wait, the right password signs in and this address starts over.
  await waitOut(pairKey, 60_000)
  expect(statusOf(await signInFrom(user.email, user.password, address))).toBe(302)
  expect(await getDb().throttle.count({ where: { key: pairKey } })).toBe(0)
})

test('the wait grows to at most 15 minutes, and a minute-long wait is said in minutes', async () => {
  const user = await createTestUser()
  const address = '198.51.100.8'
  const pairKey = accountAddressThrottleKey(user.email, address)
  for (let i = 0; i < 30; i++) await recordFailure(pairKey, LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS)
  const result = await signInFrom(user.email, user.password, address)
  expect(statusOf(result)).toBe(429)
  expect(retryAfterSeconds(result)).toBeLessThanOrEqual(15 * 60)
  expect(retryAfterSeconds(result)).toBeGreaterThan(14 * 60)
  expect(JSON.stringify(dataOf(result))).toContain('Wait 15 minutes, then try again.')
})

test('failures from other addresses never lock the owner out: the right password from a new address signs in', async () => {
  const user = await createTestUser()
  const other = await createTestUser()
  const attacker = '198.51.100.66'
  // One address guesses until it must wait; more addresses add a failure each.
  for (let i = 0; i <= LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS.freeFailures; i++) {
    expect(statusOf(await signInFrom(user.email, 'wrong password!', attacker))).toBe(400)
  }
  expect(statusOf(await signInFrom(user.email, 'wrong password!', attacker))).toBe(429)
  const elsewhere = LOGIN_FAILURES_PER_ACCOUNT.freeFailures - LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS.freeFailures - 1
  for (let i = 0; i < elsewhere; i++) expect(statusOf(await signInFrom(user.email, 'wrong password!', `198.51.100.${100 + i}`))).toBe(400)

  // Ten failures against the account (the old rule locked it for 15 minutes here): the owner, from
  // a new address, signs in at once.
  expect(statusOf(await signInFrom(user.email, user.password, '203.0.113.50'))).toBe(302)
  // The guessing address still waits; other accounts never noticed.
  expect(statusOf(await signInFrom(user.email, user.password, attacker))).toBe(429)
  expect(statusOf(await signInFrom(other.email, other.password, '198.51.100.201'))).toBe(302)
})

test('guessing one account from many addresses is slowed account-wide, by at most half a minute per failure', async () => {
  const user = await createTestUser()
  const accountKey = accountThrottleKey(user.email)
  for (let i = 0; i < 40; i++) await recordFailure(accountKey, LOGIN_FAILURES_PER_ACCOUNT)
  const result = await signInFrom(user.email, 'one more guess!', '198.51.100.250')
  expect(statusOf(result)).toBe(429)
  expect(retryAfterSeconds(result)).toBeGreaterThan(0)
  expect(retryAfterSeconds(result)).toBeLessThanOrEqual(30)
  await waitOut(accountKey, LOGIN_FAILURES_PER_ACCOUNT.maxDelayMs)
  expect(statusOf(await signInFrom(user.email, user.password, '198.51.100.251'))).toBe(302)
})

const signInWith = (email: string, password: string, address: string, cookie: string) =>
  settle(() =>
    loginAction({ request: formRequest('/login', { email, password }, cookie), params, context: loadContext({ clientIp: address }) }),
  )

/** Signs in with the right password and returns the device cookie this browser got (as a Cookie header). */
async function deviceCookieOf(user: { email: string; password: string }, address: string, cookie = ''): Promise<string> {
  const result = await signInWith(user.email, user.password, address, cookie)
  expect(statusOf(result)).toBe(302)
  const device = headersOf(result).getSetCookie().find((c) => c.startsWith('sb_device='))
  expect(device).toBeDefined()
  return cookieHeaderFrom(device ?? null)
}

/** Wrong guesses at `email` from many addresses, as an attacker spreading out would, until it is slowed account-wide. */
async function guessFromEverywhere(email: string) {
  for (let i = 0; i <= LOGIN_FAILURES_PER_ACCOUNT.freeFailures; i++) {
    expect(statusOf(await signInFrom(email, 'wrong password!', `198.18.${i}.1`))).toBe(400)
  }
  // A long campaign: the account-wide wait is at its cap of 30 s after every guess.
  for (let i = 0; i < 20; i++) await recordFailure(accountThrottleKey(email), LOGIN_FAILURES_PER_ACCOUNT)
  expect(statusOf(await signInFrom(email, 'wrong password!', '198.18.200.1'))).toBe(429)
}

test('guesses from many addresses never stop the owner on a browser that signed in before, while a new browser is slowed', async () => {
  const user = await createTestUser()
  const device = await deviceCookieOf(user, '203.0.113.60')
  await guessFromEverywhere(user.email)
  const accountRow = () => getDb().throttle.findUniqueOrThrow({ where: { key: accountThrottleKey(user.email) }, select: { count: true } })
  const before = (await accountRow()).count

  // Without the device cookie, even the right password waits (at most half a minute).
  const newBrowser = await signInFrom(user.email, user.password, '203.0.113.61')
  expect(statusOf(newBrowser)).toBe(429)
  expect(retryAfterSeconds(newBrowser)).toBeLessThanOrEqual(30)

  // The owner's browser reaches the password at once, from any address: a typo is answered as a
  // typo, and the right password signs in.
  expect(statusOf(await signInWith(user.email, 'my typo password', '203.0.113.62', device))).toBe(400)
  const signedIn = await signInWith(user.email, user.password, '203.0.113.62', device)
  expect(statusOf(signedIn)).toBe(302)
  expect(headersOf(signedIn).getSetCookie().some((c) => c.startsWith('sb_session='))).toBe(true)
  // The owner's attempts spent nothing of the account-wide budget, and the attacker is still slowed.
  expect((await accountRow()).count).toBe(before)
  expect(statusOf(await signInFrom(user.email, 'wrong password!', '198.18.201.1'))).toBe(429)
})

test('a browser with a device cookie has a counter of its own: its wrong guesses slow it and nobody else', async () => {
  const user = await createTestUser()
  const device = await deviceCookieOf(user, '203.0.113.63')
  for (let i = 0; i <= LOGIN_FAILURES_PER_ACCOUNT_AND_DEVICE.freeFailures; i++) {
    expect(statusOf(await signInWith(user.email, 'wrong password!', `198.18.50.${i}`, device))).toBe(400)
  }
  // The same browser must now wait, from any address; a browser without the cookie need not.
  expect(statusOf(await signInWith(user.email, user.password, '198.18.50.99', device))).toBe(429)
  expect(statusOf(await signInFrom(user.email, user.password, '198.18.51.1'))).toBe(302)
})

test('a forged device cookie, or one from another account, gives no exemption from the account-wide wait', async () => {
  const user = await createTestUser()
  const other = await createTestUser()
  const real = await deviceCookieOf(user, '203.0.113.64')
  const othersDevice = await deviceCookieOf(other, '203.0.113.65')
  await guessFromEverywhere(user.email)

  const parsed: unknown = await createCookie('sb_device').parse(real)
  expect(Array.isArray(parsed)).toBe(true)
  const [token = ''] = Array.isArray(parsed) ? parsed.map(String) : []
  const [nonce = '', mac = ''] = token.split('.')
  const flipped = `${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BA' : 'AA'}`
  const forgeries = [
    othersDevice,
    cookieHeaderFrom(await createCookie('sb_device').serialize([`${nonce}.${flipped}`])),
    cookieHeaderFrom(await createCookie('sb_device').serialize([`${'A'.repeat(22)}.${'B'.repeat(43)}`])),
    cookieHeaderFrom(await createCookie('sb_device').serialize(user.email)),
    'sb_device=garbage',
  ]
  for (const cookie of forgeries) {
    expect(statusOf(await signInWith(user.email, user.password, '203.0.113.66', cookie)), cookie).toBe(429)
  }
  // The real one still works, also next to another account's token in the same browser.
  expect(statusOf(await signInWith(user.email, user.password, '203.0.113.66', real))).toBe(302)
})

test('the device cookie is HttpOnly, SameSite=Lax, long-lived, names one browser per account and never contains the email', async () => {
  const user = await createTestUser()
  const result = await signInFrom(user.email, user.password, '203.0.113.67')
  const header = headersOf(result).getSetCookie().find((c) => c.startsWith('sb_device='))
  expect(header).toMatch(/HttpOnly/i)
  expect(header).toMatch(/SameSite=Lax/i)
  expect(header).toMatch(/Path=\//)
  expect(header).not.toMatch(/Domain=/i)
  expect(Number(/Max-Age=(\d+)/.exec(header ?? '')?.[1])).toBeGreaterThanOrEqual(180 * 24 * 60 * 60)
  const cookie = cookieHeaderFrom(header ?? null)
  const decoded = JSON.stringify(await createCookie('sb_device').parse(cookie))
  const [local = ''] = user.email.split('@')
  for (const text of [header ?? '', decodeURIComponent(header ?? ''), decoded]) {
    expect(text.toLowerCase()).not.toContain(local.toLowerCase())
    expect(text).not.toContain(Buffer.from(user.email).toString('base64').slice(0, 12))
  }
  // Signing in again on the same browser keeps its token; the database holds no copy of it.
  const again = await signInWith(user.email, user.password, '203.0.113.67', cookie)
  expect(cookieHeaderFrom(headersOf(again).getSetCookie().find((c) => c.startsWith('sb_device=')) ?? null)).toBe(cookie)
  const nonce = decoded.split('"')[1]?.split('.')[0] ?? ''
  expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
  expect(await getDb().throttle.count({ where: { key: { contains: nonce } } })).toBe(0)
})

test('ten parallel wrong guesses when the wait has just passed: exactly one reaches the password, the rest are told to wait', async () => {
  const user = await createTestUser()
  const address = '198.51.100.90'
  const pairKey = accountAddressThrottleKey(user.email, address)
  const failures = LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS.freeFailures + 1
  for (let i = 0; i < failures; i++) expect(statusOf(await signInFrom(user.email, 'wrong password!', address))).toBe(400)
  await waitOut(pairKey, LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS.firstDelayMs)
  const countOf = async (key: string) => (await getDb().throttle.findUnique({ where: { key }, select: { count: true } }))?.count ?? 0
  const before = { account: await countOf(accountThrottleKey(user.email)), address: await countOf(`login-ip:${address}`) }

  const results = await Promise.all(Array.from({ length: 10 }, () => signInFrom(user.email, 'parallel guess!', address)))

  // A 400 is an answer from the password check; a 429 never got there.
  const statuses = results.map(statusOf)
  expect(statuses.filter((status) => status === 400)).toHaveLength(1)
  expect(statuses.filter((status) => status === 429)).toHaveLength(9)
  for (const result of results.filter((r) => statusOf(r) === 429)) {
    expect(JSON.stringify(dataOf(result))).toMatch(/Wait \d+ (seconds?|minutes?), then try again\./)
  }
  // Each counter counted the one guess, and nothing for the refused ones.
  expect(await countOf(pairKey)).toBe(failures + 1)
  expect(await countOf(accountThrottleKey(user.email))).toBe(before.account + 1)
  expect(await countOf(`login-ip:${address}`)).toBe(before.address + 1)
})

test('ten parallel wrong guesses on a fresh account: only the free ones reach the password', async () => {
  const user = await createTestUser()
  const address = '198.51.100.91'
  const results = await Promise.all(Array.from({ length: 10 }, () => signInFrom(user.email, 'parallel guess!', address)))
  const reached = results.filter((result) => statusOf(result) === 400).length
  // Failures 1…free cost nothing and the next one is allowed too (it starts the first wait).
  expect(reached).toBe(LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS.freeFailures + 1)
  expect(results.filter((result) => statusOf(result) === 429)).toHaveLength(10 - reached)
  const row = await getDb().throttle.findUniqueOrThrow({ where: { key: accountAddressThrottleKey(user.email, address) }, select: { count: true } })
  expect(row.count).toBe(reached)
})

test('while failures are free, an attempt whose clock read came before a parallel one is still let through', async () => {
  const key = `login-account-ip:${uniqueEmail('clock')}`
  const later = new Date()
  const earlier = new Date(later.getTime() - 50)
  expect((await reserveAttempt(key, LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS, later)).ok).toBe(true)
  expect((await reserveAttempt(key, LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS, earlier)).ok).toBe(true)
  expect((await getDb().throttle.findUniqueOrThrow({ where: { key }, select: { count: true } })).count).toBe(2)
})

test('too many failures from one address throttle that address for every account', async () => {
  const user = await createTestUser()
  const ip = '192.0.2.77'
  for (let i = 0; i <= LOGIN_FAILURES_PER_ADDRESS.freeFailures; i++) await recordFailure(`login-ip:${ip}`, LOGIN_FAILURES_PER_ADDRESS)
  expect(statusOf(await signInFrom(user.email, user.password, ip))).toBe(429)
  expect(statusOf(await signInFrom(user.email, user.password, '192.0.2.78'))).toBe(302)
})

test('every sign-up attempt counts against the address, refused ones included', async () => {
  const existing = await createTestUser()
  const address = '192.0.2.99'
  const signUpFrom = (fields: Record<string, string>) =>
    settle(() => signupAction({ request: formRequest('/signup', fields), params, context: loadContext({ clientIp: address }) }))
  expect(statusOf(await signUpFrom({ name: 'Taken', email: existing.email, password: 'a long enough password' }))).toBe(400)
  for (let i = 1; i < SIGNUPS_PER_IP.limit; i++) expect(statusOf(await signUpFrom({ name: 'A', email: 'nope', password: 'short' }))).toBe(400)
  const before = await getDb().user.count()

  const result = await signUpFrom({ name: 'Real', email: uniqueEmail('late'), password: 'a long enough password' })

  expect(statusOf(result)).toBe(429)
  expect(retryAfterSeconds(result)).toBeGreaterThan(0)
  expect(JSON.stringify(dataOf(result))).toMatch(/Too many sign-up attempts from your network\. Wait \d+ minutes?, then try again\./)
  expect(JSON.stringify(dataOf(result))).not.toContain('a long enough password')
  expect(await getDb().user.count()).toBe(before)
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
