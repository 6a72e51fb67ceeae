import { expect, test } from 'vitest'
import { saveConnection } from '#app/oauth/store/connections.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { loader as listLoader } from '#app/routes/w.$workspaceId.servers._index/route.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { createTestUser, dataOf, getRequest, loadContext, sessionCookieFor } from '#tests/utils.ts'

// The server list reads the whole table in one plain SQL statement (page-data.server.ts): these rows check
// that both databases answer it alike — order, booleans, enums, and whose connection counts.

async function server(workspaceId: string, name: string, data: { authType?: 'none' | 'oauth'; enabled?: boolean; outcome?: 'open' | 'oauth'; shared?: boolean; configVersion?: number } = {}) {
  const row = await getDb().mcpServer.create({
    data: {
      workspaceId,
      name,
      url: 'https://mcp.example/mcp',
      authType: data.authType ?? 'none',
      enabled: data.enabled ?? true,
      configVersion: data.configVersion ?? 1,
      ...(data.outcome ? { probe: { create: { outcome: data.outcome, probedAt: new Date(), message: 'Probed' } } } : {}),
      ...(data.shared ? { oauthClient: { create: { shared: true } } } : {}),
    },
    select: { id: true },
  })
  return row.id
}

function connect(serverId: string, userId: string, ownerKey = userId, configVersion = 1) {
  return saveConnection({
    serverId,
    ownerKey,
    userId: ownerKey === 'shared' ? null : userId,
    connectedById: userId,
    issuer: 'https://as.example',
    clientKind: 'dynamic',
    clientId: 'client',
    configVersion,
    tokens: { accessToken: 'at', refreshToken: 'rt', expiresIn: 3600, scopes: '' },
  })
}

test('the server list shows each server once, by name, with the probe, the state and only the person’s own or the shared connection', async () => {
  const owner = await createTestUser('Owner')
  const other = await createTestUser('Other')
  await addMember(owner.workspaceId, 'owner', other.email, 'member')
  const elsewhere = await createTestUser('Elsewhere')
  await server(elsewhere.workspaceId, 'A server of another workspace', { outcome: 'open' })

  const open = await server(owner.workspaceId, 'b open', { outcome: 'open' })
  const own = await server(owner.workspaceId, 'c oauth own', { authType: 'oauth', outcome: 'oauth' })
  const stale = await server(owner.workspaceId, 'd oauth stale', { authType: 'oauth', outcome: 'oauth', configVersion: 2 })
  const theirs = await server(owner.workspaceId, 'e oauth theirs', { authType: 'oauth' })
  const shared = await server(owner.workspaceId, 'f oauth shared', { authType: 'oauth', shared: true })
  const disabled = await server(owner.workspaceId, 'a disabled', { enabled: false })
  await connect(own, owner.id)
  await connect(stale, owner.id, owner.id, 1)
  await connect(theirs, other.id)
  await connect(shared, other.id, 'shared')

  const cookie = await sessionCookieFor(owner.id)
  const result = await listLoader({ request: getRequest(`/w/${owner.workspaceId}/servers`, cookie), params: { workspaceId: owner.workspaceId }, context: loadContext() })
  const { servers } = dataOf(result) as { servers: Array<{ id: string; name: string; enabled: boolean; probeOutcome: string | null; oauth: unknown }> }
  expect(servers.map((s) => [s.id, s.name, s.enabled, s.probeOutcome, s.oauth])).toEqual([
    [disabled, 'a disabled', false, null, null],
    [open, 'b open', true, 'open', null],
    [own, 'c oauth own', true, 'oauth', { shared: false, status: 'connected' }],
    [stale, 'd oauth stale', true, 'oauth', { shared: false, status: 'reconnect' }],
    [theirs, 'e oauth theirs', true, null, { shared: false, status: 'not_connected' }],
    [shared, 'f oauth shared', true, null, { shared: true, status: 'connected' }],
  ])
})
