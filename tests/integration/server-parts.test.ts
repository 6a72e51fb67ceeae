import { expect, test } from 'vitest'
import { recordChallenge } from '#app/models/server-probe.server.ts'
import { listServers, requireServer } from '#app/models/server.server.ts'
import { changeOAuthException, changeOAuthSharing } from '#app/servers/oauth-settings.server.ts'
import { moveServerIssuer, readServerIssuer } from '#app/oauth/store/issuers.server.ts'
import { forgetDiscovery, readStoredOAuthState, storedChallenge } from '#app/oauth/discovery.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { createTestUser } from '#tests/utils.ts'

// A server's probe, OAuth client and discovery cache live in 1:1 tables with no row until
// something is stored (docs/decisions/019-server-split-and-enums.md): reads give the former
// defaults, writes create the row, and a write for a deleted server changes nothing.

async function bareServer() {
  const user = await createTestUser()
  const { id } = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: `Bare ${Math.random().toString(36).slice(2, 10)}`, url: 'https://mcp.example/mcp' },
    select: { id: true },
  })
  return { id, workspaceId: user.workspaceId, userId: user.id }
}

test('a server without parts reads as the defaults; writes create the parts', async () => {
  const { id, workspaceId, userId } = await bareServer()
  expect(await requireServer(workspaceId, id)).toMatchObject({
    probedAt: null,
    probeOutcome: null,
    probeTransport: null,
    oauthClientId: null,
    oauthTokenAuthMethod: null,
    oauthScopes: null,
    oauthShared: false,
    oauthExceptions: '',
    hasOAuthClientSecret: false,
  })
  expect(storedChallenge(await readStoredOAuthState(id))).toEqual({ resourceMetadataUrl: null, scope: null })
  expect(await readServerIssuer(id)).toBeNull()

  expect(await changeOAuthSharing(await requireServer(workspaceId, id), true, userId)).toEqual({ changed: true })
  expect(await changeOAuthException(await requireServer(workspaceId, id), 'omit_resource', true, userId)).toEqual({ changed: true })
  expect(await requireServer(workspaceId, id)).toMatchObject({ oauthShared: true, oauthExceptions: 'omit_resource' })

  await recordChallenge(id, { resourceMetadataUrl: 'https://mcp.example/prm', scope: ' files:read ' })
  expect(storedChallenge(await readStoredOAuthState(id))).toEqual({ resourceMetadataUrl: 'https://mcp.example/prm', scope: 'files:read' })
  await forgetDiscovery(id)
  expect(storedChallenge(await readStoredOAuthState(id))).toEqual({ resourceMetadataUrl: 'https://mcp.example/prm', scope: 'files:read' })
})

test('the first issuer is recorded once (compare-and-swap), also without a discovery row', async () => {
  const { id } = await bareServer()
  expect(await moveServerIssuer(id, null, 'https://as-1.example')).toBe(true)
  expect(await moveServerIssuer(id, null, 'https://as-2.example')).toBe(false)
  expect(await readServerIssuer(id)).toBe('https://as-1.example')
  expect(await moveServerIssuer(id, 'https://as-1.example', 'https://as-2.example')).toBe(true)
  expect(await readServerIssuer(id)).toBe('https://as-2.example')
})

test('writes for a deleted server change nothing and do not throw', async () => {
  const { id } = await bareServer()
  await getDb().mcpServer.delete({ where: { id } })
  await recordChallenge(id, { resourceMetadataUrl: 'https://mcp.example/prm', scope: null })
  expect(await moveServerIssuer(id, null, 'https://as-1.example')).toBe(false)
  expect(await getDb().serverOAuthDiscovery.count({ where: { serverId: id } })).toBe(0)
})

test('one server read in plain SQL gives exactly what the Prisma list read gives, every part filled in or empty', async () => {
  const { id, workspaceId, userId } = await bareServer()
  const bare = await getDb().mcpServer.create({
    data: { workspaceId, name: `Zz bare ${Math.random().toString(36).slice(2, 8)}`, url: 'https://bare.example/mcp', transport: 'sse' },
    select: { id: true },
  })
  await getDb().mcpServer.update({
    where: { id },
    data: {
      transport: 'streamable_http',
      authType: 'oauth',
      authTypeLocked: true,
      timeoutMs: 12_345,
      enabled: false,
      availableToAgents: false,
      createdById: userId,
      probe: { create: { outcome: 'oauth', probedAt: new Date('2026-12-05T08:00:00.123Z'), message: 'Needs a sign-in', transport: 'streamable_http', toolCount: 7, serverName: 'Linear', protocolVersion: '2026-07-28' } },
      oauthClient: { create: { clientId: 'client-1', clientSecret: 'v1.ciphertext', tokenAuthMethod: 'client_secret_post', scopes: 'read write', shared: true, exceptions: 'omit_resource' } },
      headers: { create: [{ name: 'X-Team', value: 'v1.secret' }, { name: 'Authorization', value: 'v1.secret' }] },
    },
  })
  const listed = await listServers(workspaceId)
  for (const serverId of [id, bare.id]) {
    expect(await requireServer(workspaceId, serverId)).toEqual(listed.find((server) => server.id === serverId))
  }
  // The filled-in one, spelled out: probe transport as the enum, booleans, numbers and dates as written.
  expect(await requireServer(workspaceId, id)).toMatchObject({
    transport: 'streamable-http',
    enabled: false,
    authTypeLocked: true,
    availableToAgents: false,
    timeoutMs: 12_345,
    probeTransport: 'streamable-http',
    probedAt: new Date('2026-12-05T08:00:00.123Z'),
    probeToolCount: 7,
    oauthShared: true,
    hasOAuthClientSecret: true,
    headers: [expect.objectContaining({ name: 'Authorization' }), expect.objectContaining({ name: 'X-Team' })],
  })
  // A server of another workspace is not found.
  const other = await createTestUser()
  await expect(requireServer(other.workspaceId, id)).rejects.toMatchObject({ status: 404 })
})
