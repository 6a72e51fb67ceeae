import { createHash } from 'node:crypto'
import { expect, test } from 'vitest'
import { addMember } from '#app/models/workspace.server.ts'
import { action as inviteAction, loader as inviteLoader } from '#app/routes/invite.$token.tsx'
import { action as invitesAction, loader as invitesLoader } from '#app/routes/w.$workspaceId.invites.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { SIGNUPS_PER_IP } from '#app/utils/throttle.server.ts'
import {
  BASE_URL,
  createTestUser,
  dataOf,
  flashOf,
  formRequest,
  getRequest,
  headersOf,
  loadContext,
  sessionCookieFor,
  settle,
  statusOf,
  uniqueEmail,
} from '#tests/utils.ts'

async function teamWithAdmin() {
  const owner = await createTestUser('Invite owner')
  const admin = await createTestUser('Invite admin')
  await addMember(owner.workspaceId, 'owner', admin.email, 'admin')
  return { owner, admin, workspaceId: owner.workspaceId, ownerCookie: await sessionCookieFor(owner.id), adminCookie: await sessionCookieFor(admin.id) }
}

function postInvites(workspaceId: string, cookie: string, fields: Record<string, string>) {
  return settle(() => invitesAction({ request: formRequest(`/w/${workspaceId}/invites`, fields, cookie), params: { workspaceId }, context: loadContext() }))
}

/** Creates an invite through the page and returns the token from the link shown once. */
async function createInviteLink(workspaceId: string, cookie: string, role = 'member', lifetime = '7d') {
  const result = await postInvites(workspaceId, cookie, { intent: 'create-invite', role, lifetime })
  expect(statusOf(result)).toBe(200)
  const link = (dataOf(result) as { link: { url: string } }).link.url
  expect(link.startsWith(`${BASE_URL}/invite/`)).toBe(true)
  return link.slice(`${BASE_URL}/invite/`.length)
}

function openInvite(token: string, cookie?: string) {
  return settle(() => inviteLoader({ request: getRequest(`/invite/${token}`, cookie), params: { token }, context: loadContext() }))
}

function postInvite(token: string, fields: Record<string, string>, cookie?: string, clientIp = '203.0.113.10') {
  return settle(() => inviteAction({ request: formRequest(`/invite/${token}`, fields, cookie), params: { token }, context: loadContext({ clientIp }) }))
}

test('an invite link is shown once, stored only as its SHA-256, and audited without the token', async () => {
  const { workspaceId, ownerCookie } = await teamWithAdmin()
  const token = await createInviteLink(workspaceId, ownerCookie, 'admin')
  const rows = await getDb().invite.findMany({ where: { workspaceId }, select: { tokenHash: true, role: true, expiresAt: true } })
  expect(rows).toHaveLength(1)
  expect(rows[0]?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'))
  expect(rows[0]?.role).toBe('admin')
  // Seven days unless chosen otherwise.
  const days = ((rows[0]?.expiresAt.getTime() ?? 0) - Date.now()) / 86_400_000
  expect(days).toBeGreaterThan(6.9)
  expect(days).toBeLessThanOrEqual(7)
  const page = await settle(() => invitesLoader({ request: getRequest(`/w/${workspaceId}/invites`, ownerCookie), params: { workspaceId }, context: loadContext() }))
  expect(JSON.stringify(page)).not.toContain(token)
  const audit = await getDb().auditEvent.findMany({ where: { workspaceId, event: 'invite.created' }, select: { detail: true } })
  expect(audit).toHaveLength(1)
  expect(JSON.stringify(audit)).not.toContain(token)
})

test('an admin cannot invite an owner; a member cannot invite at all', async () => {
  const { workspaceId, adminCookie, owner } = await teamWithAdmin()
  const refused = await postInvites(workspaceId, adminCookie, { intent: 'create-invite', role: 'owner', lifetime: '1d' })
  expect(statusOf(refused)).toBe(400)
  expect(JSON.stringify(dataOf(refused))).toContain('You cannot invite someone as owner.')
  const member = await createTestUser('Plain member')
  await addMember(workspaceId, 'owner', member.email, 'member')
  const asMember = await postInvites(workspaceId, await sessionCookieFor(member.id), { intent: 'create-invite', role: 'member', lifetime: '1d' })
  expect(statusOf(asMember)).toBe(403)
  expect(await getDb().invite.count({ where: { workspaceId } })).toBe(0)
  expect(owner.id).toBeTruthy()
})

test('a newcomer signs up through the link and lands in the workspace with the invited role; the link then reads as used', async () => {
  const { workspaceId, ownerCookie } = await teamWithAdmin()
  const token = await createInviteLink(workspaceId, ownerCookie, 'admin')
  const opened = await openInvite(token)
  expect(statusOf(opened)).toBe(200)
  expect(dataOf(opened)).toMatchObject({ dead: null, invite: { role: 'admin', invitedBy: 'Invite owner' } })

  const email = uniqueEmail('invited')
  const joined = await postInvite(token, { intent: 'sign-up-and-join', name: 'Invited Person', email, password: 'a long enough passphrase' })
  expect(statusOf(joined)).toBe(302)
  expect(headersOf(joined).get('Location')).toBe(`/w/${workspaceId}`)
  expect(headersOf(joined).getSetCookie().some((c) => c.startsWith('sb_session='))).toBe(true)
  expect(await flashOf(joined)).toMatchObject({ kind: 'success', message: expect.stringContaining('You joined as admin') })
  const user = await getDb().user.findUniqueOrThrow({ where: { email }, select: { id: true, lastWorkspaceId: true } })
  expect(user.lastWorkspaceId).toBe(workspaceId)
  expect(await getDb().membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId: user.id } }, select: { role: true } })).toEqual({ role: 'admin' })
  expect(await getDb().invite.findFirst({ where: { workspaceId }, select: { usedById: true } })).toEqual({ usedById: user.id })
  expect((await getDb().auditEvent.findMany({ where: { workspaceId, event: 'invite.accepted' }, select: { actorId: true } }))).toEqual([{ actorId: user.id }])

  // Used: a readable page, and a second person cannot use it.
  const again = await openInvite(token)
  expect(statusOf(again)).toBe(410)
  expect(dataOf(again)).toMatchObject({ dead: 'used' })
  const second = await postInvite(token, { intent: 'sign-up-and-join', name: 'Second', email: uniqueEmail('second'), password: 'another long passphrase' })
  expect(headersOf(second).get('Location')).toBe('/')
  expect(await flashOf(second)).toMatchObject({ kind: 'error', message: expect.stringContaining('already used') })
  expect(await getDb().membership.count({ where: { workspaceId } })).toBe(3)
})

test('someone with an account signs in through the link and joins; a signed-in person joins with one button', async () => {
  const { workspaceId, ownerCookie } = await teamWithAdmin()
  const existing = await createTestUser('Existing')
  const token = await createInviteLink(workspaceId, ownerCookie)
  const wrong = await postInvite(token, { intent: 'sign-in-and-join', email: existing.email, password: 'not the password' })
  expect(statusOf(wrong)).toBe(400)
  expect(JSON.stringify(dataOf(wrong))).toContain('Email or password is incorrect.')
  expect(await getDb().membership.count({ where: { workspaceId, userId: existing.id } })).toBe(0)
  const joined = await postInvite(token, { intent: 'sign-in-and-join', email: existing.email, password: existing.password })
  expect(headersOf(joined).get('Location')).toBe(`/w/${workspaceId}`)
  expect(await getDb().membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId: existing.id } }, select: { role: true } })).toEqual({ role: 'member' })

  const another = await createTestUser('Signed in')
  const cookie = await sessionCookieFor(another.id)
  const secondToken = await createInviteLink(workspaceId, ownerCookie)
  // Signed in, the visitor forms are refused: the person joins as themselves.
  expect(statusOf(await postInvite(secondToken, { intent: 'sign-up-and-join', name: 'X', email: uniqueEmail(), password: 'whatever long one' }, cookie))).toBe(400)
  const oneClick = await postInvite(secondToken, { intent: 'join' }, cookie)
  expect(headersOf(oneClick).get('Location')).toBe(`/w/${workspaceId}`)
  expect(await getDb().membership.count({ where: { workspaceId, userId: another.id } })).toBe(1)
})

test('a member who opens an invite keeps their role and leaves the link unused', async () => {
  const { workspaceId, ownerCookie, admin, adminCookie } = await teamWithAdmin()
  const token = await createInviteLink(workspaceId, ownerCookie, 'member')
  const result = await postInvite(token, { intent: 'join' }, adminCookie)
  expect(headersOf(result).get('Location')).toBe(`/w/${workspaceId}`)
  expect(await getDb().membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId: admin.id } }, select: { role: true } })).toEqual({ role: 'admin' })
  expect(await getDb().invite.count({ where: { workspaceId, usedAt: null } })).toBe(1)
})

test('expired and revoked links get a readable page and let nobody in', async () => {
  const { workspaceId, ownerCookie, adminCookie } = await teamWithAdmin()
  const expiring = await createInviteLink(workspaceId, ownerCookie)
  await getDb().invite.updateMany({ where: { workspaceId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  const expired = await openInvite(expiring)
  expect(statusOf(expired)).toBe(410)
  expect(dataOf(expired)).toMatchObject({ dead: 'expired' })

  const revoking = await createInviteLink(workspaceId, ownerCookie, 'owner')
  const pending = await getDb().invite.findFirstOrThrow({ where: { workspaceId, usedAt: null, expiresAt: { gt: new Date() } }, select: { id: true } })
  // An admin cannot revoke an owner's invite for an owner.
  expect(statusOf(await postInvites(workspaceId, adminCookie, { intent: 'revoke-invite', inviteId: pending.id }))).toBe(400)
  const revoked = await postInvites(workspaceId, ownerCookie, { intent: 'revoke-invite', inviteId: pending.id })
  expect(await flashOf(revoked)).toMatchObject({ kind: 'success', message: expect.stringContaining('revoked') })
  expect(statusOf(await openInvite(revoking))).toBe(404)
  const tooLate = await postInvite(revoking, { intent: 'sign-up-and-join', name: 'Late', email: uniqueEmail('late'), password: 'a long enough passphrase' })
  expect(headersOf(tooLate).get('Location')).toBe('/')
  expect(await getDb().membership.count({ where: { workspaceId } })).toBe(2)
  expect(await getDb().auditEvent.count({ where: { workspaceId, event: 'invite.revoked' } })).toBe(1)
})

test('another workspace’s invite id cannot be revoked from here', async () => {
  const first = await teamWithAdmin()
  const second = await teamWithAdmin()
  await createInviteLink(second.workspaceId, second.ownerCookie)
  const theirs = await getDb().invite.findFirstOrThrow({ where: { workspaceId: second.workspaceId }, select: { id: true } })
  const result = await postInvites(first.workspaceId, first.ownerCookie, { intent: 'revoke-invite', inviteId: theirs.id })
  expect(await flashOf(result)).toMatchObject({ kind: 'error' })
  expect(await getDb().invite.count({ where: { id: theirs.id } })).toBe(1)
})

test('signing up through invite links is throttled per address like sign-up', async () => {
  const { workspaceId, ownerCookie } = await teamWithAdmin()
  const token = await createInviteLink(workspaceId, ownerCookie)
  const clientIp = `198.51.100.${Math.floor(Math.random() * 200) + 1}`
  for (let attempt = 0; attempt < SIGNUPS_PER_IP.limit; attempt++) {
    // Invalid forms count too (a weak password), so the test does not create twenty accounts.
    expect(statusOf(await postInvite(token, { intent: 'sign-up-and-join', name: 'Flood', email: uniqueEmail('flood'), password: 'aaaaaaaaaaaa' }, undefined, clientIp))).toBe(400)
  }
  const refused = await postInvite(token, { intent: 'sign-up-and-join', name: 'Flood', email: uniqueEmail('flood'), password: 'a long enough passphrase' }, undefined, clientIp)
  expect(statusOf(refused)).toBe(429)
  expect(headersOf(refused).get('Retry-After')).toBeTruthy()
  expect(await getDb().invite.count({ where: { workspaceId, usedAt: null } })).toBe(1)
})
