// Disconnect is confirmed on its own page (issue 11, point 8): the page says whose connection ends,
// and a post that did not come from its button changes nothing and shows the page.
import { expect, test } from 'vitest'
import { saveConnection } from '#app/oauth/store/connections.server.ts'
import { action as disconnectAction, loader as disconnectLoader } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { createTestUser, flashOf, formRequest, getRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

async function oauthServer(workspaceId: string, shared = false) {
  const { id } = await getDb().mcpServer.create({
    data: {
      workspaceId,
      name: 'Linear',
      url: 'https://mcp.example/mcp',
      authType: 'oauth',
      configVersion: 1,
      ...(shared ? { oauthClient: { create: { shared: true } } } : {}),
    },
    select: { id: true },
  })
  return id
}

test('the Disconnect page says whose connection ends; a post without its button keeps the connection and shows the page', async () => {
  const owner = await createTestUser('Owner')
  const cookie = await sessionCookieFor(owner.id)
  const serverId = await oauthServer(owner.workspaceId)
  const params = { workspaceId: owner.workspaceId, serverId }
  const path = `/w/${owner.workspaceId}/servers/${serverId}/disconnect`

  const before = await disconnectLoader({ request: getRequest(path, cookie), params, context: loadContext() })
  expect(before).toMatchObject({ shared: false, connected: false, server: { name: 'Linear' } })

  await saveConnection({
    serverId,
    ownerKey: owner.id,
    userId: owner.id,
    connectedById: owner.id,
    issuer: 'https://as.example',
    clientKind: 'dynamic',
    clientId: 'client',
    configVersion: 1,
    tokens: { accessToken: 'at', refreshToken: 'rt', expiresIn: 3600, scopes: '' },
  })
  const page = await disconnectLoader({ request: getRequest(path, cookie), params, context: loadContext() })
  expect(page).toMatchObject({ shared: false, connected: true })
  expect(JSON.stringify(page)).not.toMatch(/"at"|"rt"/)

  // The old form's checkbox alone is no longer a confirmation: back to the page, nothing revoked.
  const unconfirmed = await settle(() => disconnectAction({ request: formRequest(path, { confirm: 'on' }, cookie), params, context: loadContext() }))
  expect(statusOf(unconfirmed)).toBe(302)
  expect(headersOf(unconfirmed).get('Location')).toBe(path)
  expect((await flashOf(unconfirmed))?.message).toBe('Press Disconnect on this page to confirm.')
  expect(await getDb().oAuthConnection.count({ where: { serverId } })).toBe(1)
})

test('the shared connection’s Disconnect page is for admins only', async () => {
  const owner = await createTestUser('Owner')
  const member = await createTestUser('Member')
  await getDb().membership.create({ data: { workspaceId: owner.workspaceId, userId: member.id, role: 'member' } })
  const serverId = await oauthServer(owner.workspaceId, true)
  const path = `/w/${owner.workspaceId}/servers/${serverId}/disconnect`
  const params = { workspaceId: owner.workspaceId, serverId }
  const memberCookie = await sessionCookieFor(member.id)
  const asMember = await settle(() => disconnectLoader({ request: getRequest(path, memberCookie), params, context: loadContext() }))
  expect(statusOf(asMember)).toBe(403)
  const asOwner = await disconnectLoader({ request: getRequest(path, await sessionCookieFor(owner.id)), params, context: loadContext() })
  expect(asOwner).toMatchObject({ shared: true, connected: false })
})
