import { afterAll, beforeAll, expect, test } from 'vitest'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { addMember, createWorkspace } from '#app/models/workspace.server.ts'
import { action as accountAction, loader as accountLoader } from '#app/routes/account/route.tsx'
import { action as settingsAction, loader as settingsLoader } from '#app/routes/w.$workspaceId.settings.tsx'
import { getUser, verifyLogin } from '#app/utils/auth.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { connectThroughRoutes } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { BASE_URL, cookieHeaderFrom, createTestUser, dataOf, flashOf, formRequest, getRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'
import { createSession } from '#app/utils/session.server.ts'

let peer: SdkAuthServer
beforeAll(async () => {
  peer = await startSdkAuthServer()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await peer?.close()
})

const postAccount = (cookie: string, fields: Record<string, string>) =>
  settle(() => accountAction({ request: formRequest('/account', fields, cookie), params: {}, context: loadContext() }))
const loadAccount = (cookie: string) => settle(() => accountLoader({ request: getRequest('/account', cookie), params: {}, context: loadContext() }))
const postSettings = (workspaceId: string, cookie: string, fields: Record<string, string>) =>
  settle(() => settingsAction({ request: formRequest(`/w/${workspaceId}/settings`, fields, cookie), params: { workspaceId }, context: loadContext() }))

type AccountPage = { sessions: Array<{ handle: string; current: boolean; browser: string; lastSeenAt: string | null }>; plan: { deleted: Array<{ id: string }>; left: Array<{ id: string }>; blocking: Array<{ id: string }> } }
const pageOf = (result: unknown) => dataOf(result) as AccountPage

/** A session made as a browser signs in: with its User-Agent. */
async function browserSession(userId: string, userAgent: string) {
  const request = new Request(BASE_URL, { headers: { 'User-Agent': userAgent } })
  return cookieHeaderFrom(await createSession(request, userId))
}

async function oauthServerIn(workspaceId: string) {
  const server = await getDb().mcpServer.create({
    data: { workspaceId, name: `OAuth ${Math.random().toString(36).slice(2, 8)}`, url: peer.mcpUrl, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
    select: { id: true },
  })
  return server.id
}

test('a session remembers its browser; last activity is written at most every few minutes, not per request', async () => {
  const user = await createTestUser('Sessions')
  const cookie = await browserSession(user.id, 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0')
  const page = pageOf(await loadAccount(cookie))
  expect(page.sessions).toEqual([expect.objectContaining({ current: true, browser: 'Firefox on Linux' })])
  const row = async () => getDb().session.findFirstOrThrow({ where: { userId: user.id }, select: { lastSeenAt: true, userAgent: true } })
  expect((await row()).userAgent).toContain('Firefox/140.0')

  // A minute old: requests leave it alone.
  const oneMinuteAgo = new Date(Date.now() - 60_000)
  await getDb().session.updateMany({ where: { userId: user.id }, data: { lastSeenAt: oneMinuteAgo } })
  await getUser(getRequest('/', cookie))
  await getUser(getRequest('/account', cookie))
  expect((await row()).lastSeenAt?.getTime()).toBe(oneMinuteAgo.getTime())

  // A fresh session seen ten minutes ago is brought up to date by its next request.
  const other = await browserSession(user.id, 'curl/8')
  const tenMinutesAgo = new Date(Date.now() - 10 * 60_000)
  await getDb().session.updateMany({ where: { userId: user.id, userAgent: 'curl/8' }, data: { lastSeenAt: tenMinutesAgo } })
  await getUser(getRequest('/', other))
  const seen = await getDb().session.findFirstOrThrow({ where: { userId: user.id, userAgent: 'curl/8' }, select: { lastSeenAt: true } })
  expect(seen.lastSeenAt?.getTime()).toBeGreaterThan(Date.now() - 60_000)
})

test('the sessions list never carries session keys; ending one session and then all others signs them out', async () => {
  const user = await createTestUser('Many browsers')
  const here = await browserSession(user.id, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15')
  const phone = await browserSession(user.id, 'Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 Chrome/140.0 Mobile Safari/537.36')
  const third = await browserSession(user.id, 'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/140.0 Safari/537.36 Edg/140.0')
  const loaded = await loadAccount(here)
  const keys = await getDb().session.findMany({ where: { userId: user.id }, select: { id: true } })
  for (const { id } of keys) expect(JSON.stringify(loaded)).not.toContain(id)
  const page = pageOf(loaded)
  expect(page.sessions.map((s) => s.browser)).toEqual(expect.arrayContaining(['Safari on macOS', 'Chrome on Android', 'Edge on Windows']))
  expect(page.sessions[0]?.current).toBe(true)

  const android = page.sessions.find((s) => s.browser === 'Chrome on Android')
  // Another person cannot end it by its handle.
  const stranger = await createTestUser('Stranger')
  const strangerResult = await postAccount(await sessionCookieFor(stranger.id), { intent: 'end-session', session: android?.handle ?? '' })
  expect(await flashOf(strangerResult)).toMatchObject({ kind: 'info' })
  expect(await getUser(getRequest('/', phone))).not.toBeNull()

  const ended = await postAccount(here, { intent: 'end-session', session: android?.handle ?? '' })
  expect(await flashOf(ended)).toMatchObject({ kind: 'success' })
  expect(await getUser(getRequest('/', phone))).toBeNull()
  expect(await getUser(getRequest('/', third))).not.toBeNull()

  const all = await postAccount(here, { intent: 'end-other-sessions' })
  expect(await flashOf(all)).toMatchObject({ message: 'Signed out 1 other session.' })
  expect(await getUser(getRequest('/', third))).toBeNull()
  expect(await getUser(getRequest('/', here))).not.toBeNull()
})

test('changing the password needs the current one and signs out the other sessions', async () => {
  const user = await createTestUser('Password changer')
  const here = await sessionCookieFor(user.id)
  const elsewhere = await sessionCookieFor(user.id)
  const wrong = await postAccount(here, { intent: 'change-password', currentPassword: 'not my password', newPassword: 'a brand new passphrase' })
  expect(statusOf(wrong)).toBe(400)
  expect(JSON.stringify(dataOf(wrong))).toContain('This is not your current password')
  expect(JSON.stringify(dataOf(wrong))).not.toContain('a brand new passphrase')
  expect(await verifyLogin(user.email, user.password)).toBe(user.id)

  const changed = await postAccount(here, { intent: 'change-password', currentPassword: user.password, newPassword: 'a brand new passphrase' })
  expect(statusOf(changed)).toBe(302)
  expect(await flashOf(changed)).toMatchObject({ message: 'Password changed. 1 other session was signed out.' })
  expect(await verifyLogin(user.email, 'a brand new passphrase')).toBe(user.id)
  expect(await verifyLogin(user.email, user.password)).toBeNull()
  expect(await getUser(getRequest('/', elsewhere))).toBeNull()
  expect(await getUser(getRequest('/', here))).not.toBeNull()
})

test('wrong current passwords are slowed down like sign-in', async () => {
  const user = await createTestUser('Guesser target')
  const cookie = await sessionCookieFor(user.id)
  const statuses: number[] = []
  for (let i = 0; i < 7; i++) {
    statuses.push(statusOf(await postAccount(cookie, { intent: 'change-password', currentPassword: `guess ${i}`, newPassword: 'a brand new passphrase' })))
  }
  expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400])
  expect(statuses).toContain(429)
  // Even the right password waits now.
  const right = await postAccount(cookie, { intent: 'change-password', currentPassword: user.password, newPassword: 'a brand new passphrase' })
  expect(statusOf(right)).toBe(429)
})

test('deleting the account is refused while you are the only owner of a workspace others use', async () => {
  const owner = await createTestUser('Sole owner')
  const colleague = await createTestUser('Colleague')
  const shared = await createWorkspace(owner.id, 'Shared team')
  await addMember(shared, 'owner', colleague.email, 'member')
  const cookie = await sessionCookieFor(owner.id)
  expect(pageOf(await loadAccount(cookie)).plan.blocking.map((w) => w.id)).toEqual([shared])
  const refused = await postAccount(cookie, { intent: 'delete-account', password: owner.password, confirm: 'on' })
  expect(statusOf(refused)).toBe(400)
  expect(JSON.stringify(dataOf(refused))).toContain('You are the only owner of “Shared team”')
  expect(await getDb().user.count({ where: { id: owner.id } })).toBe(1)
})

test('deleting the account deletes lonely workspaces, leaves shared ones and revokes the person’s OAuth sign-ins', async () => {
  const leaving = await createTestUser('Leaving')
  const teamOwner = await createTestUser('Team owner')
  const team = teamOwner.workspaceId
  await addMember(team, 'owner', leaving.email, 'admin')
  const cookie = await sessionCookieFor(leaving.id)
  const teamServer = await oauthServerIn(team)
  const ownServer = await oauthServerIn(leaving.workspaceId)
  await connectThroughRoutes({ workspaceId: team, serverId: teamServer, cookie })
  await connectThroughRoutes({ workspaceId: leaving.workspaceId, serverId: ownServer, cookie })
  const tokens = await Promise.all([getConnectionWithTokens(teamServer, leaving.id), getConnectionWithTokens(ownServer, leaving.id)])
  for (const token of tokens) expect(peer.stats.validRefreshTokens.has(token?.refreshToken ?? '')).toBe(true)

  const plan = pageOf(await loadAccount(cookie)).plan
  expect(plan.deleted.map((w) => w.id)).toEqual([leaving.workspaceId])
  expect(plan.left.map((w) => w.id)).toEqual([team])
  // The box and the password are both needed.
  expect(statusOf(await postAccount(cookie, { intent: 'delete-account', password: leaving.password }))).toBe(400)
  expect(statusOf(await postAccount(cookie, { intent: 'delete-account', password: 'wrong one', confirm: 'on' }))).toBe(400)

  const deleted = await postAccount(cookie, { intent: 'delete-account', password: leaving.password, confirm: 'on' })
  expect(headersOf(deleted).get('Location')).toBe('/')
  expect(headersOf(deleted).getSetCookie().some((c) => /^sb_session=;/.test(c))).toBe(true)
  expect(await getDb().user.count({ where: { id: leaving.id } })).toBe(0)
  expect(await getDb().workspace.count({ where: { id: leaving.workspaceId } })).toBe(0)
  expect(await getDb().workspace.count({ where: { id: team } })).toBe(1)
  for (const token of tokens) expect(peer.stats.validRefreshTokens.has(token?.refreshToken ?? '')).toBe(false)
  expect(await getDb().oAuthConnection.count({ where: { serverId: { in: [teamServer, ownServer] } } })).toBe(0)
  const audit = await getDb().auditEvent.findMany({ where: { workspaceId: team, event: 'member.account_deleted' }, select: { detail: true } })
  expect(audit).toEqual([{ detail: expect.stringContaining('Leaving') }])
})

test('only owners rename or delete a workspace; admins see the page say so', async () => {
  const owner = await createTestUser('Settings owner')
  const admin = await createTestUser('Settings admin')
  const workspaceId = await createWorkspace(owner.id, 'Renamable')
  await addMember(workspaceId, 'owner', admin.email, 'admin')
  const adminCookie = await sessionCookieFor(admin.id)
  const page = await settle(() => settingsLoader({ request: getRequest(`/w/${workspaceId}/settings`, adminCookie), params: { workspaceId }, context: loadContext() }))
  expect(dataOf(page)).toMatchObject({ isOwner: false })
  expect(statusOf(await postSettings(workspaceId, adminCookie, { intent: 'rename-workspace', name: 'Taken' }))).toBe(403)
  expect(statusOf(await postSettings(workspaceId, adminCookie, { intent: 'delete-workspace', confirmName: 'Renamable' }))).toBe(403)
  const ownerCookie = await sessionCookieFor(owner.id)
  expect(statusOf(await postSettings(workspaceId, ownerCookie, { intent: 'rename-workspace', name: 'Renamed' }))).toBe(302)
  expect(await getDb().workspace.findUnique({ where: { id: workspaceId }, select: { name: true } })).toEqual({ name: 'Renamed' })
})

test('deleting a workspace needs its name typed, then revokes every member’s OAuth sign-in and removes it', async () => {
  const owner = await createTestUser('Deleting owner')
  const member = await createTestUser('Deleted member')
  const workspaceId = await createWorkspace(owner.id, 'Doomed team')
  await addMember(workspaceId, 'owner', member.email, 'member')
  const ownerCookie = await sessionCookieFor(owner.id)
  const memberCookie = await sessionCookieFor(member.id)
  const serverId = await oauthServerIn(workspaceId)
  await connectThroughRoutes({ workspaceId, serverId, cookie: ownerCookie })
  await connectThroughRoutes({ workspaceId, serverId, cookie: memberCookie })
  const tokens = await Promise.all([getConnectionWithTokens(serverId, owner.id), getConnectionWithTokens(serverId, member.id)])

  const mistyped = await postSettings(workspaceId, ownerCookie, { intent: 'delete-workspace', confirmName: 'Doomed' })
  expect(statusOf(mistyped)).toBe(400)
  expect(JSON.stringify(dataOf(mistyped))).toContain('does not match')
  expect(await getDb().workspace.count({ where: { id: workspaceId } })).toBe(1)

  const deleted = await postSettings(workspaceId, ownerCookie, { intent: 'delete-workspace', confirmName: 'Doomed team' })
  expect(headersOf(deleted).get('Location')).toBe('/')
  expect(await flashOf(deleted)).toMatchObject({ kind: 'success', message: 'Deleted the workspace Doomed team.' })
  expect(await getDb().workspace.count({ where: { id: workspaceId } })).toBe(0)
  expect(await getDb().mcpServer.count({ where: { id: serverId } })).toBe(0)
  for (const token of tokens) expect(peer.stats.validRefreshTokens.has(token?.refreshToken ?? '')).toBe(false)
  // Both people keep their accounts and personal workspaces.
  expect(await getDb().user.count({ where: { id: { in: [owner.id, member.id] } } })).toBe(2)
})
