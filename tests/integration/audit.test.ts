import { expect, test } from 'vitest'
import { ACTIVITY_PAGE_SIZE as AUDIT_PAGE_SIZE } from '#app/models/activity.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { loader as auditLoader } from '#app/routes/w.$workspaceId.audit.tsx'
import { action as membersAction } from '#app/routes/w.$workspaceId.members.tsx'
import { action as serverAction } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { createTestUser, formRequest, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

test('credential and member changes are audited with who, what and which server, and never a secret value', async () => {
  const owner = await createTestUser('Owner')
  const cookie = await sessionCookieFor(owner.id)
  const workspaceId = owner.workspaceId
  const server = await getDb().mcpServer.create({
    data: { workspaceId, name: 'Audited', url: 'http://10.0.0.1/mcp', timeoutMs: 1000 },
    select: { id: true },
  })
  const secret = 'sk-live-audit-secret-123'
  await settle(() =>
    serverAction({
      request: formRequest(`/w/${workspaceId}/servers/${server.id}`, { intent: 'set-header', headerName: 'X-Api-Key', headerValue: secret }, cookie),
      params: { workspaceId, serverId: server.id },
      context: loadContext(),
    }),
  )
  const colleague = await createTestUser('Colleague')
  await settle(() =>
    membersAction({
      request: formRequest(`/w/${workspaceId}/members`, { intent: 'add-member', email: colleague.email, role: 'member' }, cookie),
      params: { workspaceId },
      context: loadContext(),
    }),
  )
  const page = await auditLoader({ request: getRequest(`/w/${workspaceId}/audit`, cookie), params: { workspaceId }, context: loadContext() })
  const labels = page.entries.map((e) => e.what)
  expect(labels).toEqual(expect.arrayContaining(['Header saved', 'Member added']))
  const headerEvent = page.entries.find((e) => e.what === 'Header saved')
  expect(headerEvent).toMatchObject({ serverName: 'Audited', actor: 'Owner', actorEmail: owner.email })
  expect(headerEvent?.detail).toContain('X-Api-Key')
  expect(JSON.stringify(page)).not.toContain(secret)
  expect(JSON.stringify(await getDb().auditEvent.findMany({ where: { workspaceId } }))).not.toContain(secret)
})

test('only owners and admins can read the audit log; other workspaces get 404', async () => {
  const owner = await createTestUser('Owner')
  const member = await createTestUser('Member')
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  const memberCookie = await sessionCookieFor(member.id)
  const asMember = await settle(() =>
    auditLoader({ request: getRequest(`/w/${owner.workspaceId}/audit`, memberCookie), params: { workspaceId: owner.workspaceId }, context: loadContext() }),
  )
  expect(statusOf(asMember)).toBe(403)
  const stranger = await createTestUser('Stranger')
  const strangerCookie = await sessionCookieFor(stranger.id)
  const asStranger = await settle(() =>
    auditLoader({ request: getRequest(`/w/${owner.workspaceId}/audit`, strangerCookie), params: { workspaceId: owner.workspaceId }, context: loadContext() }),
  )
  expect(statusOf(asStranger)).toBe(404)
})

test('the log pages back from the newest event without skipping or repeating any', async () => {
  const owner = await createTestUser('Owner')
  const cookie = await sessionCookieFor(owner.id)
  for (let i = 0; i < AUDIT_PAGE_SIZE + 7; i++) {
    await recordAudit({ workspaceId: owner.workspaceId, actorId: owner.id, event: 'workspace.renamed', detail: `rename ${i}` })
  }
  const first = await auditLoader({ request: getRequest(`/w/${owner.workspaceId}/audit`, cookie), params: { workspaceId: owner.workspaceId }, context: loadContext() })
  expect(first.entries).toHaveLength(AUDIT_PAGE_SIZE)
  expect(first.nextBefore).not.toBeNull()
  const last = first.nextBefore ?? ''
  const second = await auditLoader({
    request: getRequest(`/w/${owner.workspaceId}/audit?before=${encodeURIComponent(last)}`, cookie),
    params: { workspaceId: owner.workspaceId },
    context: loadContext(),
  })
  expect(second.nextBefore).toBeNull()
  const details = [...first.entries, ...second.entries].map((e) => e.detail)
  expect(new Set(details).size).toBe(AUDIT_PAGE_SIZE + 7)
})
