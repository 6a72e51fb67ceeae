import { expect, test } from 'vitest'
import { addMember, changeRole, removeMember } from '#app/models/workspace.server.ts'
import { action as membersAction, loader as membersLoader } from '#app/routes/w.$workspaceId.members.tsx'
import { action as removeAction } from '#app/routes/w.$workspaceId.members_.$userId.remove.tsx'
import { action as settingsAction } from '#app/routes/w.$workspaceId.settings.tsx'
import { action as switchAction } from '#app/routes/workspaces.switch.ts'
import { getDb } from '#app/utils/db.server.ts'
import { createTestUser, dataOf, formRequest, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

async function workspaceWith(roles: Array<'owner' | 'admin' | 'member'>) {
  const owner = await createTestUser('Owner')
  const others = []
  for (const role of roles) {
    const user = await createTestUser(role)
    await addMember(owner.workspaceId, 'owner', user.email, role)
    others.push({ ...user, role, cookie: await sessionCookieFor(user.id) })
  }
  return { owner: { ...owner, cookie: await sessionCookieFor(owner.id) }, others, workspaceId: owner.workspaceId }
}

const membersPost = (workspaceId: string, fields: Record<string, string>, cookie: string) =>
  settle(() =>
    membersAction({ request: formRequest(`/w/${workspaceId}/members`, fields, cookie), params: { workspaceId }, context: loadContext() }),
  )

test('a user who is not a member gets 404 from every workspace loader and action, and nothing changes', async () => {
  const { owner, workspaceId } = await workspaceWith([])
  const stranger = await createTestUser('Stranger')
  const cookie = await sessionCookieFor(stranger.id)
  const loaded = await settle(() =>
    membersLoader({ request: getRequest(`/w/${workspaceId}/members`, cookie), params: { workspaceId }, context: loadContext() }),
  )
  expect(statusOf(loaded)).toBe(404)
  expect(statusOf(await membersPost(workspaceId, { intent: 'add-member', email: stranger.email, role: 'owner' }, cookie))).toBe(404)
  const renamed = await settle(() =>
    settingsAction({
      request: formRequest(`/w/${workspaceId}/settings`, { intent: 'rename-workspace', name: 'Taken over' }, cookie),
      params: { workspaceId },
      context: loadContext(),
    }),
  )
  expect(statusOf(renamed)).toBe(404)
  const switched = await settle(() => switchAction({ request: formRequest('/workspaces/switch', { workspaceId }, cookie), params: {}, context: loadContext() }))
  expect(statusOf(switched)).toBe(404)
  const removed = await settle(() =>
    removeAction({
      request: formRequest(`/w/${workspaceId}/members/${owner.id}/remove`, { confirm: 'on' }, cookie),
      params: { workspaceId, userId: owner.id },
      context: loadContext(),
    }),
  )
  expect(statusOf(removed)).toBe(404)
  expect(await getDb().membership.count({ where: { workspaceId } })).toBe(1)
  expect((await getDb().workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { name: true } })).name).toBe("Owner's workspace")
})

test('a member may not add members (403) and an admin may not make owners', async () => {
  const { workspaceId, others } = await workspaceWith(['member', 'admin'])
  const [member, admin] = others
  const newcomer = await createTestUser('Newcomer')
  expect(statusOf(await membersPost(workspaceId, { intent: 'add-member', email: newcomer.email, role: 'member' }, member!.cookie))).toBe(403)
  const asAdmin = await membersPost(workspaceId, { intent: 'add-member', email: newcomer.email, role: 'owner' }, admin!.cookie)
  expect(statusOf(asAdmin)).toBe(400)
  expect(JSON.stringify(dataOf(asAdmin))).toContain('You cannot give the owner role.')
  expect(await getDb().membership.count({ where: { workspaceId, userId: newcomer.id } })).toBe(0)
})

test('an admin cannot demote or remove an owner, but can manage members', async () => {
  const { owner, workspaceId, others } = await workspaceWith(['admin', 'member'])
  const [admin, member] = others
  const demote = await membersPost(workspaceId, { intent: 'change-role', userId: owner.id, role: 'member' }, admin!.cookie)
  expect(statusOf(demote)).toBe(400)
  const remove = await settle(() =>
    removeAction({
      request: formRequest(`/w/${workspaceId}/members/${owner.id}/remove`, { confirm: 'on' }, admin!.cookie),
      params: { workspaceId, userId: owner.id },
      context: loadContext(),
    }),
  )
  expect(statusOf(remove)).toBe(403)
  const promote = await membersPost(workspaceId, { intent: 'change-role', userId: member!.id, role: 'admin' }, admin!.cookie)
  expect(statusOf(promote)).toBe(302)
  const roles = await getDb().membership.findMany({ where: { workspaceId }, select: { userId: true, role: true } })
  expect(roles).toEqual(
    expect.arrayContaining([
      { userId: owner.id, role: 'owner' },
      { userId: member!.id, role: 'admin' },
    ]),
  )
})

test('a cross-workspace user id in a form is treated as unknown, not acted on', async () => {
  const first = await workspaceWith([])
  const second = await workspaceWith(['member'])
  const outsider = second.others[0]!
  const result = await membersPost(first.workspaceId, { intent: 'change-role', userId: outsider.id, role: 'admin' }, first.owner.cookie)
  expect(statusOf(result)).toBe(400)
  expect(JSON.stringify(dataOf(result))).toContain('not a member of this workspace')
  expect(await getDb().membership.findUnique({ where: { workspaceId_userId: { workspaceId: second.workspaceId, userId: outsider.id } }, select: { role: true } })).toEqual({ role: 'member' })
})

test('removing a member requires the confirmation box', async () => {
  const { owner, workspaceId, others } = await workspaceWith(['member'])
  const member = others[0]!
  const unconfirmed = await settle(() =>
    removeAction({
      request: formRequest(`/w/${workspaceId}/members/${member.id}/remove`, {}, owner.cookie),
      params: { workspaceId, userId: member.id },
      context: loadContext(),
    }),
  )
  expect(statusOf(unconfirmed)).toBe(400)
  expect(await getDb().membership.count({ where: { workspaceId, userId: member.id } })).toBe(1)
})

test('an unknown intent is a 400, not a silent success', async () => {
  const { owner, workspaceId } = await workspaceWith([])
  expect(statusOf(await membersPost(workspaceId, { intent: 'delete-everything' }, owner.cookie))).toBe(400)
})

test('the last owner can neither leave nor be demoted; with a second owner both work', async () => {
  const { owner, workspaceId } = await workspaceWith([])
  await expect(removeMember(workspaceId, { id: owner.id, role: 'owner' }, owner.id)).rejects.toThrow('at least one owner')
  await expect(changeRole(workspaceId, 'owner', owner.id, 'admin')).rejects.toThrow('at least one owner')
  const second = await createTestUser('Second')
  await addMember(workspaceId, 'owner', second.email, 'owner')
  await changeRole(workspaceId, 'owner', owner.id, 'admin')
  // Now `second` is the only owner, so they cannot leave either.
  await expect(removeMember(workspaceId, { id: second.id, role: 'owner' }, second.id)).rejects.toThrow('at least one owner')
  const owners = await getDb().membership.findMany({ where: { workspaceId, role: 'owner' }, select: { userId: true } })
  expect(owners).toEqual([{ userId: second.id }])
})

test('two owners demoting each other at the same moment leave exactly one owner', async () => {
  const { owner, workspaceId } = await workspaceWith([])
  const second = await createTestUser('Second')
  await addMember(workspaceId, 'owner', second.email, 'owner')
  const results = await Promise.allSettled([
    changeRole(workspaceId, 'owner', owner.id, 'member'),
    changeRole(workspaceId, 'owner', second.id, 'member'),
  ])
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
  expect(await getDb().membership.count({ where: { workspaceId, role: 'owner' } })).toBe(1)
})
