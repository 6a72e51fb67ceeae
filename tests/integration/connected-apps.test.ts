// Connected apps (the apps a person allowed at a workspace's MCP endpoint, one AgentGrant each) for the person and
// for the workspace's admins, revoking them with everything the authorization server issued under them, and the
// revocations that member removal, account deletion and workspace deletion bring; on both databases.
import { createHash, randomBytes } from 'node:crypto'
import { expect, test } from 'vitest'
import { listConnectedAppsOfUser, listConnectedAppsOfWorkspace } from '#app/models/agent-apps.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { action as personAction, loader as personLoader } from '#app/routes/account_.connected-apps.tsx'
import { loader as auditLoader } from '#app/routes/w.$workspaceId.audit.tsx'
import { action as adminAction, loader as adminLoader } from '#app/routes/w.$workspaceId.connected-apps.tsx'
import { requireServer } from '#app/models/server.server.ts'
import { deleteAccount } from '#app/servers/account-deletion.server.ts'
import { deleteServer } from '#app/servers/delete-server.server.ts'
import { removeWorkspaceMember } from '#app/servers/member-removal.server.ts'
import { deleteWorkspace } from '#app/servers/workspace-deletion.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { createAgentGrant } from '#tests/support/gateway-server.ts'
import { createTestUser, dataOf, flashOf, formRequest, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

type AppRow = { grantId: string; clientName: string; person: { id: string }; workspace: { id: string }; endpoint: { kind: string; serverName?: string | null } }
type Page = { apps: AppRow[]; confirming: AppRow | null; endpoints?: Array<{ url: string }>; endpoint?: string }
const pageOf = (result: unknown) => dataOf(result) as Page

const loadPerson = async (cookie: string, query = '') =>
  settle(() => personLoader({ request: getRequest(`/account/connected-apps${query}`, cookie), params: {}, context: loadContext() }))
const postPerson = (cookie: string, fields: Record<string, string>) =>
  settle(() => personAction({ request: formRequest('/account/connected-apps', fields, cookie), params: {}, context: loadContext() }))
const loadAdmin = (workspaceId: string, cookie: string, query = '') =>
  settle(() => adminLoader({ request: getRequest(`/w/${workspaceId}/connected-apps${query}`, cookie), params: { workspaceId }, context: loadContext() }))
const postAdmin = (workspaceId: string, cookie: string, fields: Record<string, string>) =>
  settle(() => adminAction({ request: formRequest(`/w/${workspaceId}/connected-apps`, fields, cookie), params: { workspaceId }, context: loadContext() }))

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')

/** What the authorization server would have stored under a grant: its Grant record, an access and a refresh token, a session. */
async function seedAuthRecords(grantId: string, accountId: string) {
  const db = getDb()
  const key = () => randomBytes(16).toString('hex')
  await db.agentAuthRecord.createMany({
    data: [
      { model: 'Grant', keyHash: sha256(grantId), payload: '{}', accountId },
      { model: 'AccessToken', keyHash: key(), payload: '{}', grantId, accountId },
      { model: 'RefreshToken', keyHash: key(), payload: '{}', grantId, accountId },
    ],
  })
  await db.agentSession.create({
    data: { idHash: key(), grantId, protocolVersion: '2025-06-18', capabilities: '{}', clientInfo: '{}', expiresAt: new Date(Date.now() + 3_600_000) },
  })
}

async function recordsOf(grantId: string) {
  const db = getDb()
  const [grant, tokens, grantRecord, sessions] = await Promise.all([
    db.agentGrant.count({ where: { id: grantId } }),
    db.agentAuthRecord.count({ where: { grantId } }),
    db.agentAuthRecord.count({ where: { model: 'Grant', keyHash: sha256(grantId) } }),
    db.agentSession.count({ where: { grantId } }),
  ])
  return { grant, tokens, grantRecord, sessions }
}
const gone = { grant: 0, tokens: 0, grantRecord: 0, sessions: 0 }
const kept = { grant: 1, tokens: 2, grantRecord: 1, sessions: 1 }

/** An owner's workspace with a member in it, each with a session. */
async function team() {
  const owner = await createTestUser('Owner')
  const member = await createTestUser('Member')
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  return {
    owner,
    member,
    workspaceId: owner.workspaceId,
    ownerCookie: await sessionCookieFor(owner.id),
    memberCookie: await sessionCookieFor(member.id),
  }
}

test('a person sees the apps they connected in each of their workspaces, never anyone else’s, with an endpoint to connect one', async () => {
  const { owner, member, workspaceId, memberCookie } = await team()
  const server = await getDb().mcpServer.create({ data: { workspaceId, name: 'Linear', url: 'http://127.0.0.1:9/mcp' }, select: { id: true } })
  const mine = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Claude Code' })
  const mineOneServer = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Cursor', target: { workspaceId, serverId: server.id } })
  const inPersonal = await createAgentGrant({ id: member.id, workspaceId: member.workspaceId }, { clientName: 'VS Code' })
  await createAgentGrant({ id: owner.id, workspaceId }, { clientName: 'Owner’s agent' })

  const page = pageOf(await loadPerson(memberCookie))
  expect(page.apps.map((app) => app.grantId).sort()).toEqual([mine.grantId, mineOneServer.grantId, inPersonal.grantId].sort())
  expect(page.apps.find((app) => app.grantId === mineOneServer.grantId)?.endpoint).toEqual({ kind: 'server', serverId: server.id, serverName: 'Linear' })
  expect(page.apps.find((app) => app.grantId === mine.grantId)?.endpoint).toEqual({ kind: 'workspace' })
  expect(page.endpoints?.map((e) => e.url)).toContain(`http://127.0.0.1:3000/mcp/${workspaceId}`)
  expect(JSON.stringify(page)).not.toContain('Owner’s agent')

  // The confirmation names only one's own app; another person's grant id confirms nothing.
  expect(pageOf(await loadPerson(memberCookie, `?revoke=${mine.grantId}`)).confirming?.clientName).toBe('Claude Code')
  const ownerGrant = (await listConnectedAppsOfUser(owner.id))[0]
  expect(pageOf(await loadPerson(memberCookie, `?revoke=${ownerGrant?.grantId}`)).confirming).toBeNull()

  // Signed out: to the sign-in page.
  const anonymous = await loadPerson('')
  expect(statusOf(anonymous)).toBe(302)
})

test('revoking one’s own app deletes its grant, tokens, the provider’s Grant record and its sessions at once, and is audited', async () => {
  const { member, workspaceId, memberCookie } = await team()
  const app = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Claude Code' })
  const other = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Cursor' })
  await seedAuthRecords(app.grantId, member.id)
  await seedAuthRecords(other.grantId, member.id)

  const result = await postPerson(memberCookie, { intent: 'revoke-app', grantId: app.grantId })
  expect(statusOf(result)).toBe(302)
  expect((await flashOf(result))?.message).toMatch(/revoked/)
  expect(await recordsOf(app.grantId)).toEqual(gone)
  expect(await recordsOf(other.grantId)).toEqual(kept)

  const event = await getDb().auditEvent.findFirst({ where: { workspaceId, event: 'agent.app_revoked' }, select: { actorId: true, detail: true } })
  expect(event).toEqual({ actorId: member.id, detail: expect.stringContaining('Claude Code') })

  // Again: nothing left to revoke, said so.
  const again = await postPerson(memberCookie, { intent: 'revoke-app', grantId: app.grantId })
  expect((await flashOf(again))?.message).toBe('That app was already revoked.')
  // A made-up form is a 400.
  expect(statusOf(await postPerson(memberCookie, { intent: 'revoke-everything' }))).toBe(400)
})

test('a person cannot revoke another person’s app, even by its id', async () => {
  const { owner, workspaceId, memberCookie } = await team()
  const ownerApp = await createAgentGrant({ id: owner.id, workspaceId }, { clientName: 'Owner’s agent' })
  await seedAuthRecords(ownerApp.grantId, owner.id)
  const result = await postPerson(memberCookie, { intent: 'revoke-app', grantId: ownerApp.grantId })
  expect((await flashOf(result))?.message).toBe('That app was already revoked.')
  expect(await recordsOf(ownerApp.grantId)).toEqual(kept)
})

test('owners and admins see and revoke every member’s apps in their workspace; members are refused; other workspaces stay apart', async () => {
  const { owner, member, workspaceId, ownerCookie, memberCookie } = await team()
  const memberApp = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Member’s Cursor' })
  const ownerApp = await createAgentGrant({ id: owner.id, workspaceId }, { clientName: 'Owner’s Claude' })
  const elsewhere = await createAgentGrant({ id: member.id, workspaceId: member.workspaceId }, { clientName: 'Personal agent' })
  await seedAuthRecords(memberApp.grantId, member.id)
  await seedAuthRecords(elsewhere.grantId, member.id)

  const page = pageOf(await loadAdmin(workspaceId, ownerCookie))
  expect(page.apps.map((app) => app.clientName).sort()).toEqual(['Member’s Cursor', 'Owner’s Claude'])
  expect(page.apps.find((app) => app.grantId === memberApp.grantId)?.person.id).toBe(member.id)
  expect(page.endpoint).toBe(`http://127.0.0.1:3000/mcp/${workspaceId}`)
  expect(pageOf(await loadAdmin(workspaceId, ownerCookie, `?revoke=${memberApp.grantId}`)).confirming?.clientName).toBe('Member’s Cursor')

  // A member: 403 on the page and the action, and nothing changes.
  expect(statusOf(await loadAdmin(workspaceId, memberCookie))).toBe(403)
  expect(statusOf(await postAdmin(workspaceId, memberCookie, { intent: 'revoke-app', grantId: ownerApp.grantId }))).toBe(403)
  expect(await getDb().agentGrant.count({ where: { id: ownerApp.grantId } })).toBe(1)

  // The owner revokes the member's app; a grant of another workspace (the member's personal one) is not theirs to revoke.
  const revoked = await postAdmin(workspaceId, ownerCookie, { intent: 'revoke-app', grantId: memberApp.grantId })
  expect((await flashOf(revoked))?.message).toMatch(/revoked/)
  expect(await recordsOf(memberApp.grantId)).toEqual(gone)
  const foreign = await postAdmin(workspaceId, ownerCookie, { intent: 'revoke-app', grantId: elsewhere.grantId })
  expect((await flashOf(foreign))?.message).toBe('That app was already revoked.')
  expect(await recordsOf(elsewhere.grantId)).toEqual(kept)

  const event = await getDb().auditEvent.findFirst({ where: { workspaceId, event: 'agent.app_revoked' }, select: { actorId: true, detail: true } })
  expect(event?.actorId).toBe(owner.id)
  expect(event?.detail).toContain(`Member’s Cursor of ${member.name}`)
  // The audit log's "Connected apps" filter shows it.
  const feed = dataOf(
    await auditLoader({ request: getRequest(`/w/${workspaceId}/audit?kind=agent`, ownerCookie), params: { workspaceId }, context: loadContext() }),
  ) as { entries: Array<{ what: string; detail: string | null }> }
  expect(feed.entries).toEqual([expect.objectContaining({ what: 'Connected app revoked', detail: expect.stringContaining('Member’s Cursor') })])

  // A stranger: 404 (cannot tell the workspace exists).
  const stranger = await createTestUser('Stranger')
  expect(statusOf(await loadAdmin(workspaceId, await sessionCookieFor(stranger.id)))).toBe(404)
})

test('removing a member revokes their apps in that workspace only, with the authorization server’s records', async () => {
  const { owner, member, workspaceId } = await team()
  const here = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Claude Code' })
  const personal = await createAgentGrant({ id: member.id, workspaceId: member.workspaceId }, { clientName: 'Personal' })
  await seedAuthRecords(here.grantId, member.id)
  await seedAuthRecords(personal.grantId, member.id)

  await removeWorkspaceMember({
    workspaceId,
    actor: { id: owner.id, role: 'owner' },
    target: { id: member.id, name: member.name, email: member.email, role: 'member' },
  })
  expect(await recordsOf(here.grantId)).toEqual(gone)
  expect(await recordsOf(personal.grantId)).toEqual(kept)
  expect(await listConnectedAppsOfWorkspace(workspaceId)).toEqual([])
  const event = await getDb().auditEvent.findFirst({ where: { workspaceId, event: 'agent.app_revoked' }, select: { detail: true } })
  expect(event?.detail).toContain(`1 connected app of ${member.name}`)
})

test('deleting an account removes its grants and every authorization-server record of theirs', async () => {
  const { member, workspaceId } = await team()
  const app = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Claude Code' })
  await seedAuthRecords(app.grantId, member.id)
  // A login session of the provider's, tied to the account but to no grant.
  await getDb().agentAuthRecord.create({ data: { model: 'Session', keyHash: randomBytes(16).toString('hex'), payload: '{}', accountId: member.id } })

  await deleteAccount(member)
  expect(await recordsOf(app.grantId)).toEqual(gone)
  expect(await getDb().agentAuthRecord.count({ where: { accountId: member.id } })).toBe(0)
})

test('deleting a workspace removes its grants and what was issued under them', async () => {
  const { owner, member, workspaceId } = await team()
  const app = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Claude Code' })
  const personal = await createAgentGrant({ id: member.id, workspaceId: member.workspaceId }, { clientName: 'Personal' })
  await seedAuthRecords(app.grantId, member.id)
  await seedAuthRecords(personal.grantId, member.id)

  await deleteWorkspace(workspaceId, owner.id)
  expect(await recordsOf(app.grantId)).toEqual(gone)
  expect(await recordsOf(personal.grantId)).toEqual(kept)
})

test('deleting a server revokes the apps allowed at its own endpoint; apps of the whole workspace stay', async () => {
  const { owner, member, workspaceId } = await team()
  const server = await getDb().mcpServer.create({ data: { workspaceId, name: 'Short-lived', url: 'http://127.0.0.1:9/mcp' }, select: { id: true } })
  const oneServer = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Cursor', target: { workspaceId, serverId: server.id } })
  const whole = await createAgentGrant({ id: member.id, workspaceId }, { clientName: 'Claude Code' })
  await seedAuthRecords(oneServer.grantId, member.id)
  await seedAuthRecords(whole.grantId, member.id)

  await deleteServer(await requireServer(workspaceId, server.id), owner.id)
  expect(await recordsOf(oneServer.grantId)).toEqual(gone)
  expect(await recordsOf(whole.grantId)).toEqual(kept)
})
