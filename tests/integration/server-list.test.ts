import { expect, test } from 'vitest'
import { saveConnection } from '#app/oauth/store/connections.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { loader as listLoader } from '#app/routes/w.$workspaceId.servers._index/route.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { createTestUser, dataOf, getRequest, loadContext, sessionCookieFor } from '#tests/utils.ts'

// The server list reads the whole table in one plain SQL statement (models/server-status.server.ts): these rows
// check that both databases answer it alike — order, booleans, enums, times, counts, and whose connection counts —
// and that each row carries the one status the server page shows too.

type ServerData = {
  authType?: 'none' | 'oauth' | 'headers'
  enabled?: boolean
  outcome?: 'open' | 'oauth' | 'connect_refused' | 'headers_required'
  probedAt?: Date
  shared?: boolean
  configVersion?: number
  header?: boolean
}

async function server(workspaceId: string, name: string, data: ServerData = {}) {
  const row = await getDb().mcpServer.create({
    data: {
      workspaceId,
      name,
      url: 'https://mcp.example/mcp',
      authType: data.authType ?? 'none',
      enabled: data.enabled ?? true,
      configVersion: data.configVersion ?? 1,
      ...(data.outcome ? { probe: { create: { outcome: data.outcome, probedAt: data.probedAt ?? new Date(), message: 'Probed' } } } : {}),
      ...(data.shared ? { oauthClient: { create: { shared: true } } } : {}),
      // A stored value, never read here (the list counts headers, it never decrypts them).
      ...(data.header ? { headers: { create: { name: 'X-Api-Key', value: 'v1.test1.not-decrypted' } } } : {}),
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
  const { servers } = dataOf(result) as { servers: Array<{ id: string; name: string; enabled: boolean; shared: boolean; status: { label: string } }> }
  expect(servers.map((s) => [s.id, s.name, s.enabled, s.shared, s.status.label])).toEqual([
    [disabled, 'a disabled', false, false, 'Disabled'],
    [open, 'b open', true, false, 'Ready'],
    [own, 'c oauth own', true, false, 'Connected'],
    [stale, 'd oauth stale', true, false, 'Needs reconnect'],
    [theirs, 'e oauth theirs', true, false, 'Needs sign-in'],
    [shared, 'f oauth shared', true, true, 'Connected (shared, by Other)'],
  ])
})

test('the list says when a server was last found unreachable, and whether a header server has its header, on both databases', async () => {
  const owner = await createTestUser('Owner')
  const downAt = new Date('2026-01-02T10:42:00Z')
  await server(owner.workspaceId, 'a down', { outcome: 'connect_refused', probedAt: downAt })
  await server(owner.workspaceId, 'b keyless', { authType: 'headers', outcome: 'headers_required' })
  await server(owner.workspaceId, 'c keyed', { authType: 'headers', outcome: 'open', header: true })
  await server(owner.workspaceId, 'd refused key', { authType: 'headers', outcome: 'headers_required', header: true })
  const cookie = await sessionCookieFor(owner.id)
  const result = await listLoader({ request: getRequest(`/w/${owner.workspaceId}/servers`, cookie), params: { workspaceId: owner.workspaceId }, context: loadContext() })
  const { servers } = dataOf(result) as { servers: Array<{ status: { label: string; tone: string } }> }
  expect(servers.map((s) => [s.status.label, s.status.tone])).toEqual([
    ['Unreachable at 2026-01-02 10:42 UTC', 'error'],
    ['Needs headers', 'warn'],
    ['Ready', 'ok'],
    ['Headers refused', 'error'],
  ])
})
