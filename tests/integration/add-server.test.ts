// Adding a server (issue 9, points 7 and 8), against real peers on 127.0.0.1: a server that
// answers 401 and says nothing else "needs credentials", and the add form offers both ways in
// (static headers, or OAuth as an MCP 2025-03-26 server); the Advanced section stores a
// pre-registered client and scopes as the server page does, and Connect starts only when
// Switchboard can identify itself.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { readPreregisteredSecret } from '#app/oauth/store/registrations.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { listServerTools } from '#app/mcp/tools.server.ts'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { loader as serverLoader } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { action as editAction, loader as editLoader } from '#app/routes/w.$workspaceId.servers.$serverId.edit.tsx'
import { action as newServerAction } from '#app/routes/w.$workspaceId.servers.new.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { startPreregisteredServer } from '#tests/servers/preregistered-server.ts'
import { startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
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
} from '#tests/utils.ts'

const REDIRECT_URI = `${BASE_URL}/oauth/callback`
const CLIENT_SECRET = 'advanced-s3cret-value'

type Peer = { mcpUrl: string; close(): Promise<unknown>; stats: { authorizationRequests: number; registrationRequests: number } }
let silent: Peer
let preregistered: Peer
let owner: { id: string; workspaceId: string; cookie: string }

beforeAll(async () => {
  ;[silent, preregistered] = await Promise.all([
    // Says nothing but 401: no challenge, no protected-resource or authorization-server metadata.
    startSdkAuthServer({ protectedResourceMetadata: false, authorizationServerMetadata: false, bearerChallenge: false }),
    startPreregisteredServer({ clientId: 'switchboard-advanced', clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] }),
  ])
  const user = await createTestUser('Owner')
  owner = { id: user.id, workspaceId: user.workspaceId, cookie: await sessionCookieFor(user.id) }
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([silent?.close(), preregistered?.close()])
})

let count = 0
function addServer(fields: Record<string, string>) {
  count += 1
  return settle(() =>
    newServerAction({
      request: formRequest(
        `/w/${owner.workspaceId}/servers/new`,
        { name: `Server ${count}`, transport: 'auto', authType: 'detect', timeoutSeconds: '10', ...fields },
        owner.cookie,
      ),
      params: { workspaceId: owner.workspaceId },
      context: loadContext(),
    }),
  )
}

async function lastServer() {
  const { probe, oauthClient, ...server } = await getDb().mcpServer.findFirstOrThrow({
    where: { workspaceId: owner.workspaceId },
    orderBy: { createdAt: 'desc' },
    select: {
      id: true,
      name: true,
      authType: true,
      authTypeLocked: true,
      probe: { select: { outcome: true } },
      oauthClient: { select: { exceptions: true, clientId: true, clientSecret: true, tokenAuthMethod: true, scopes: true } },
    },
  })
  return {
    ...server,
    probeOutcome: probe?.outcome ?? null,
    oauthExceptions: oauthClient?.exceptions ?? '',
    oauthClientId: oauthClient?.clientId ?? null,
    oauthClientSecret: oauthClient?.clientSecret ?? null,
    oauthTokenAuthMethod: oauthClient?.tokenAuthMethod ?? null,
    oauthScopes: oauthClient?.scopes ?? null,
  }
}

function eventsOf(serverId: string) {
  return getDb()
    .auditEvent.findMany({ where: { serverId }, orderBy: { createdAt: 'asc' }, select: { event: true, detail: true } })
    .then((rows) => rows.map((row) => `${row.event}: ${row.detail ?? ''}`))
}

/** The SDK-based peers approve at once; the callback finishes the flow. */
async function finishSignIn(authorizationUrl: string, serverId: string) {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  expect(response.status, await response.text()).toBe(302)
  const back = new URL(response.headers.get('Location') ?? '')
  const result = await settle(() =>
    callbackLoader({ request: getRequest(`/oauth/callback?${back.searchParams.toString()}`, owner.cookie), params: {}, context: loadContext() }),
  )
  expect(statusOf(result), JSON.stringify(dataOf(result))).toBe(302)
  expect(headersOf(result).get('Location')).toBe(`/w/${owner.workspaceId}/servers/${serverId}`)
}

test('a server that answers 401 and says nothing else needs credentials: Add asks which kind before saving anything', async () => {
  const before = await getDb().mcpServer.count({ where: { workspaceId: owner.workspaceId } })
  const result = await addServer({ url: silent.mcpUrl })
  expect(statusOf(result)).toBe(400)
  const reply = JSON.stringify(dataOf(result))
  expect(reply).toContain('"credentialsRequired":true')
  expect(reply).toContain('Choose one of the two, then press Add server again.')
  expect(await getDb().mcpServer.count({ where: { workspaceId: owner.workspaceId } })).toBe(before)
})

test('choosing OAuth for such a server adds it as OAuth with the 2025-03-26 exception, audited, and Connect signs in', async () => {
  const result = await addServer({ url: silent.mcpUrl, credentialKind: 'oauth-legacy' })
  expect(statusOf(result)).toBe(302)
  const location = headersOf(result).get('Location') ?? ''
  // Straight to the peer's default /authorize (no metadata anywhere), registered at its default /register.
  expect(location.startsWith(`${new URL(silent.mcpUrl).origin}/authorize?`)).toBe(true)
  const server = await lastServer()
  expect(server).toMatchObject({ authType: 'oauth', authTypeLocked: true, probeOutcome: 'credentials_required', oauthExceptions: 'legacy_discovery' })
  expect(await eventsOf(server.id)).toContain('oauth.exception_toggled: MCP 2025-03-26 discovery (no protected-resource metadata): enabled')

  await finishSignIn(location, server.id)
  const tools = await listServerTools(owner.id, await requireServer(owner.workspaceId, server.id))
  expect(tools.ok).toBe(true)
})

test('choosing a header for such a server adds it with static headers and lands on the Headers section', async () => {
  const result = await addServer({ url: silent.mcpUrl, credentialKind: 'headers' })
  expect(statusOf(result)).toBe(302)
  const server = await lastServer()
  expect(headersOf(result).get('Location')).toBe(`/w/${owner.workspaceId}/servers/${server.id}#headers-heading`)
  expect((await flashOf(result))?.message).toMatch(/Add the header it expects below/)
  expect(server).toMatchObject({ authType: 'headers', authTypeLocked: true, oauthExceptions: '' })
})

test('Edit offers the same choice for such a server and switches it to OAuth with the exception, audited', async () => {
  await addServer({ url: silent.mcpUrl, credentialKind: 'headers' })
  const server = await lastServer()
  const params = { workspaceId: owner.workspaceId, serverId: server.id }
  const path = `/w/${owner.workspaceId}/servers/${server.id}/edit`
  const page = await editLoader({ request: getRequest(path, owner.cookie), params, context: loadContext() })
  expect(page.credentialsRequired).toBe(true)
  expect(page.server).toMatchObject({ authType: 'detect', credentialKind: 'headers' })

  const fields = { name: server.name, url: silent.mcpUrl, transport: 'auto', authType: 'detect', timeoutSeconds: '10', enabled: 'on' }
  const unchosen = await settle(() => editAction({ request: formRequest(path, fields, owner.cookie), params, context: loadContext() }))
  expect(statusOf(unchosen)).toBe(400)
  const saved = await settle(() =>
    editAction({ request: formRequest(path, { ...fields, credentialKind: 'oauth-legacy' }, owner.cookie), params, context: loadContext() }),
  )
  expect(statusOf(saved)).toBe(302)
  expect(await lastServer()).toMatchObject({ id: server.id, authType: 'oauth', authTypeLocked: true, oauthExceptions: 'legacy_discovery' })
  const events = await eventsOf(server.id)
  expect(events).toContain('server.updated: authentication headers → oauth')
  expect(events).toContain('oauth.exception_toggled: MCP 2025-03-26 discovery (no protected-resource metadata): enabled')
})

test('the Advanced section stores a pre-registered client and scopes like the server page, and Connect signs in with it', async () => {
  const result = await addServer({
    url: preregistered.mcpUrl,
    clientId: 'switchboard-advanced',
    clientSecret: CLIENT_SECRET,
    authMethod: 'client_secret_basic',
    scopes: '  mcp:tools  ',
  })
  expect(statusOf(result)).toBe(302)
  const location = headersOf(result).get('Location') ?? ''
  expect(new URL(location).searchParams.get('client_id')).toBe('switchboard-advanced')
  expect(new URL(location).searchParams.get('scope')).toBe('mcp:tools')
  const server = await lastServer()
  expect(server).toMatchObject({ authType: 'oauth', oauthClientId: 'switchboard-advanced', oauthTokenAuthMethod: 'client_secret_basic', oauthScopes: 'mcp:tools' })
  // Encrypted and bound to its row, exactly as the server page stores it.
  expect(server.oauthClientSecret).not.toContain(CLIENT_SECRET)
  expect(await readPreregisteredSecret(server.id)).toEqual({ secret: CLIENT_SECRET, unreadable: false })
  const events = await eventsOf(server.id)
  expect(events).toContain('oauth.client_changed: Pre-registered client switchboard-advanced (client_secret_basic)')
  expect(events.some((event) => event.startsWith('oauth.scopes_changed'))).toBe(true)
  expect(events.join('\n')).not.toContain(CLIENT_SECRET)

  await finishSignIn(location, server.id)
  expect(preregistered.stats.registrationRequests).toBe(0)
  expect((await listServerTools(owner.id, await requireServer(owner.workspaceId, server.id))).ok).toBe(true)
})

test('the Advanced section checks its fields with the server page’s rules and never sends the secret back', async () => {
  const before = await getDb().mcpServer.count({ where: { workspaceId: owner.workspaceId } })
  const noSecret = await addServer({ url: preregistered.mcpUrl, clientId: 'switchboard-advanced', authMethod: 'client_secret_post' })
  expect(statusOf(noSecret)).toBe(400)
  expect(JSON.stringify(dataOf(noSecret))).toContain('Enter the client secret (or choose “none” for a public client).')

  const badScopes = await addServer({ url: preregistered.mcpUrl, clientId: 'x', clientSecret: CLIENT_SECRET, scopes: 'a "b"' })
  expect(statusOf(badScopes)).toBe(400)
  const reply = JSON.stringify(dataOf(badScopes))
  expect(reply).toContain('Scopes are separated by spaces and use no quotes or backslashes')
  expect(reply).not.toContain(CLIENT_SECRET)

  const orphanSecret = await addServer({ url: preregistered.mcpUrl, clientSecret: CLIENT_SECRET })
  expect(statusOf(orphanSecret)).toBe(400)
  expect(JSON.stringify(dataOf(orphanSecret))).toContain('Enter the client ID that goes with this secret')
  expect(await getDb().mcpServer.count({ where: { workspaceId: owner.workspaceId } })).toBe(before)
})

test('without a client, an authorization server that offers no registration sends the admin to the client fields with the reason', async () => {
  const authorizationsBefore = preregistered.stats.authorizationRequests
  const result = await addServer({ url: preregistered.mcpUrl })
  expect(statusOf(result)).toBe(302)
  const server = await lastServer()
  const serverPath = `/w/${owner.workspaceId}/servers/${server.id}`
  expect(headersOf(result).get('Location')).toBe(`${serverPath}?client=needed`)
  expect((await flashOf(result))?.message).toMatch(/needs a client registered by an admin/)
  // Connect did not start: no flow, no visit to the authorization server, no failed connect recorded.
  expect(await getDb().oAuthFlow.count({ where: { serverId: server.id } })).toBe(0)
  expect(preregistered.stats.authorizationRequests).toBe(authorizationsBefore)
  expect((await eventsOf(server.id)).some((event) => event.startsWith('oauth.connect_failed'))).toBe(false)

  const page = await serverLoader({
    request: getRequest(`${serverPath}?client=needed`, owner.cookie),
    params: { workspaceId: owner.workspaceId, serverId: server.id },
    context: loadContext(),
  })
  expect(page.oauthSettings?.clientNeeded).toMatch(/cannot identify itself/)
  const plain = await serverLoader({ request: getRequest(serverPath, owner.cookie), params: { workspaceId: owner.workspaceId, serverId: server.id }, context: loadContext() })
  expect(plain.oauthSettings?.clientNeeded).toBeNull()
})
