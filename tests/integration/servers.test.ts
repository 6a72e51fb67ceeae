import http from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { listServers, requireServer } from '#app/models/server.server.ts'
import { setServerHeader } from '#app/models/server-headers.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { action as serverAction, loader as serverLoader } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { action as deleteAction } from '#app/routes/w.$workspaceId.servers.$serverId.delete.tsx'
import { action as editAction } from '#app/routes/w.$workspaceId.servers.$serverId.edit.tsx'
import { action as newServerAction } from '#app/routes/w.$workspaceId.servers.new.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { createTestUser, dataOf, formRequest, getRequest, headersOf, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

let open: DemoMcpServer
let keyed: DemoMcpServer
let sseOnly: DemoMcpServer
const API_KEY = 'integration-key-123'

beforeAll(async () => {
  ;[open, keyed, sseOnly] = await Promise.all([
    startDemoMcpServer(),
    startDemoMcpServer({ apiKey: API_KEY }),
    startDemoMcpServer({ transport: 'sse' }),
  ])
})
afterAll(async () => {
  await Promise.all([open?.close(), keyed?.close(), sseOnly?.close()])
})

async function adminSetup() {
  const owner = await createTestUser('Owner')
  return { owner, cookie: await sessionCookieFor(owner.id), workspaceId: owner.workspaceId }
}

function addServer(workspaceId: string, cookie: string, fields: Record<string, string>) {
  return settle(() =>
    newServerAction({
      request: formRequest(`/w/${workspaceId}/servers/new`, { transport: 'auto', authType: 'detect', timeoutSeconds: '5', ...fields }, cookie),
      params: { workspaceId },
      context: loadContext(),
    }),
  )
}

test('adding the open demo server probes it: no authentication needed, tools counted, result stored', async () => {
  const { workspaceId, cookie, owner } = await adminSetup()
  const result = await addServer(workspaceId, cookie, { name: 'Demo', url: open.url })
  expect(statusOf(result)).toBe(302)
  const { id } = await getDb().mcpServer.findFirstOrThrow({ where: { workspaceId }, select: { id: true } })
  const server = await requireServer(workspaceId, id)
  expect(server).toMatchObject({ authType: 'none', authTypeLocked: false, probeOutcome: 'open', probeTransport: 'streamable-http' })
  expect(await getDb().mcpServer.findUniqueOrThrow({ where: { id }, select: { createdById: true } })).toEqual({ createdById: owner.id })
  expect(server.probeToolCount).toBeGreaterThan(5)
  expect(headersOf(result).get('Location')).toBe(`/w/${workspaceId}/servers/${server.id}`)
  // The probe closed the session it opened.
  expect(open.stats.sessionsOpen).toBe(0)
})

test('a server that wants an API key is classified as needing headers; adding the header makes it work', async () => {
  const { workspaceId, cookie } = await adminSetup()
  expect(statusOf(await addServer(workspaceId, cookie, { name: 'Keyed', url: keyed.url }))).toBe(302)
  const { id } = await getDb().mcpServer.findFirstOrThrow({ where: { workspaceId }, select: { id: true } })
  expect(await requireServer(workspaceId, id)).toMatchObject({
    authType: 'headers',
    probeOutcome: 'headers_required',
  })
  const saved = await settle(() =>
    serverAction({
      request: formRequest(`/w/${workspaceId}/servers/${id}`, { intent: 'set-header', headerName: 'X-Api-Key', headerValue: API_KEY }, cookie),
      params: { workspaceId, serverId: id },
      context: loadContext(),
    }),
  )
  expect(statusOf(saved)).toBe(302)
  // The probe that carried the header answered: still a header server, not "No authentication (detected)".
  expect(await requireServer(workspaceId, id)).toMatchObject({ probeOutcome: 'open', authType: 'headers', authTypeLocked: false })
  const tested = await settle(() =>
    serverAction({
      request: formRequest(`/w/${workspaceId}/servers/${id}`, { intent: 'test-connection' }, cookie),
      params: { workspaceId, serverId: id },
      context: loadContext(),
    }),
  )
  expect(statusOf(tested)).toBe(302)
  expect(await requireServer(workspaceId, id)).toMatchObject({ probeOutcome: 'open', authType: 'headers' })
  // Stored encrypted, bound to its row; never the plain value.
  const header = await getDb().serverHeader.findFirstOrThrow({ where: { serverId: id }, select: { value: true } })
  expect(header.value).not.toContain(API_KEY)
  expect(header.value).toMatch(/^v1\.test1\./)
  // The page data never carries the value; its one status says the server is ready.
  const page = await serverLoader({ request: getRequest(`/w/${workspaceId}/servers/${id}`, cookie), params: { workspaceId, serverId: id }, context: loadContext() })
  expect(page.status.label).toBe('Ready')
  expect(JSON.stringify(page)).not.toContain(API_KEY)
  expect(JSON.stringify(page)).not.toContain(header.value)
})

test('an SSE-only server is reached through the automatic fallback', async () => {
  const { workspaceId, cookie } = await adminSetup()
  expect(statusOf(await addServer(workspaceId, cookie, { name: 'Legacy', url: sseOnly.url }))).toBe(302)
  const [server] = await listServers(workspaceId)
  expect(server).toMatchObject({ probeOutcome: 'open', probeTransport: 'sse' })
})

test.each([
  ['a metadata address', 'http://169.254.169.254/latest/meta-data', /link-local|metadata/i],
  ['an IPv6 loopback literal', 'http://[::1]:9/mcp', /loopback/i],
  ['a private network address', 'http://10.1.2.3/mcp', /private/i],
  ['a non-http scheme', 'ftp://example.com/mcp', /http/i],
])('a URL pointing at %s is refused on the URL field and nothing is saved', async (_label, url, message) => {
  const { workspaceId, cookie } = await adminSetup()
  const result = await addServer(workspaceId, cookie, { name: 'Bad', url })
  expect(statusOf(result)).toBe(400)
  expect(JSON.stringify(dataOf(result))).toMatch(message)
  expect(await getDb().mcpServer.count({ where: { workspaceId } })).toBe(0)
})

test('an address that is not an MCP endpoint is refused with an explanation unless "save anyway" is ticked', async () => {
  const { workspaceId, cookie } = await adminSetup()
  // A web server with no MCP path anywhere: nothing to suggest.
  const plain = http.createServer((_request, response) => response.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>Not found</h1>'))
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
  try {
    const address = plain.address()
    const notMcp = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/not-here`
    const refused = await addServer(workspaceId, cookie, { name: 'Nope', url: notMcp })
    expect(statusOf(refused)).toBe(400)
    expect(JSON.stringify(dataOf(refused))).toContain('Save anyway')
    expect(dataOf(refused)).toMatchObject({ suggestedUrl: null })
    expect(await getDb().mcpServer.count({ where: { workspaceId } })).toBe(0)
    const saved = await addServer(workspaceId, cookie, { name: 'Nope', url: notMcp, saveUnreachable: 'on' })
    expect(statusOf(saved)).toBe(302)
    expect((await listServers(workspaceId))[0]).toMatchObject({ probeOutcome: 'not_mcp' })
  } finally {
    await new Promise((resolve) => plain.close(resolve))
  }
})

test('an address without the MCP path is answered "Did you mean …/mcp?" on the URL field, not "Save anyway"', async () => {
  const { workspaceId, cookie } = await adminSetup()
  const origin = new URL(open.url).origin
  expect(new URL(open.url).pathname).toBe('/mcp')
  for (const typed of [`${origin}/`, `${origin}/not-here`]) {
    const refused = await addServer(workspaceId, cookie, { name: 'Pathless', url: typed })
    expect(statusOf(refused)).toBe(400)
    const body = dataOf(refused) as { suggestedUrl: string | null; probeFailed: boolean; result: { error?: Record<string, string[]> } }
    expect(body.suggestedUrl).toBe(`${origin}/mcp`)
    expect(body.probeFailed).toBe(false)
    expect(body.result.error?.url?.[0]).toMatch(new RegExp(`^Did you mean ${origin}/mcp\\?`))
  }
  expect(await getDb().mcpServer.count({ where: { workspaceId } })).toBe(0)
  // The SSE-only server's path is found too.
  const sseOrigin = new URL(sseOnly.url).origin
  const refused = await addServer(workspaceId, cookie, { name: 'Pathless SSE', url: `${sseOrigin}/` })
  expect(dataOf(refused)).toMatchObject({ suggestedUrl: sseOnly.url })
})

test('a duplicate name is a field error; header names with line breaks or reserved names are refused', async () => {
  const { workspaceId, cookie } = await adminSetup()
  expect(statusOf(await addServer(workspaceId, cookie, { name: 'Same', url: open.url }))).toBe(302)
  const duplicate = await addServer(workspaceId, cookie, { name: 'Same', url: open.url })
  expect(statusOf(duplicate)).toBe(400)
  expect(JSON.stringify(dataOf(duplicate))).toContain('already exists')
  const { id } = await getDb().mcpServer.findFirstOrThrow({ where: { workspaceId }, select: { id: true } })
  for (const [headerName, headerValue, message] of [
    ['X-Bad\r\nInjected', 'v', 'only letters'],
    ['Host', 'evil.example', 'sets this header itself'],
    ['X-Ok', 'line\nbreak', 'one line'],
    ['X-Long', 'x'.repeat(5000), 'at most'],
  ]) {
    const result = await settle(() =>
      serverAction({
        request: formRequest(`/w/${workspaceId}/servers/${id}`, { intent: 'set-header', headerName: headerName!, headerValue: headerValue! }, cookie),
        params: { workspaceId, serverId: id },
        context: loadContext(),
      }),
    )
    expect(statusOf(result), headerName).toBe(400)
    expect(JSON.stringify(dataOf(result))).toContain(message)
    // The rejected value is not echoed back.
    if (headerValue!.length > 1) expect(JSON.stringify(dataOf(result))).not.toContain(headerValue)
  }
  expect(await getDb().serverHeader.count({ where: { serverId: id } })).toBe(0)
})

test('members can view a server but not change, test or delete it; other workspaces get 404', async () => {
  const { owner, workspaceId, cookie } = await adminSetup()
  await addServer(workspaceId, cookie, { name: 'Demo', url: open.url })
  const { id } = await getDb().mcpServer.findFirstOrThrow({ where: { workspaceId }, select: { id: true } })
  const member = await createTestUser('Member')
  await addMember(workspaceId, 'owner', member.email, 'member')
  const memberCookie = await sessionCookieFor(member.id)
  const viewed = await serverLoader({ request: getRequest(`/w/${workspaceId}/servers/${id}`, memberCookie), params: { workspaceId, serverId: id }, context: loadContext() })
  expect(viewed.canManage).toBe(false)
  for (const intent of ['test-connection', 'set-enabled', 'set-header', 'remove-header']) {
    const result = await settle(() =>
      serverAction({ request: formRequest(`/w/${workspaceId}/servers/${id}`, { intent, enabled: 'false' }, memberCookie), params: { workspaceId, serverId: id }, context: loadContext() }),
    )
    expect(statusOf(result), intent).toBe(403)
  }
  const deleted = await settle(() =>
    deleteAction({ request: formRequest(`/w/${workspaceId}/servers/${id}/delete`, { confirm: 'on' }, memberCookie), params: { workspaceId, serverId: id }, context: loadContext() }),
  )
  expect(statusOf(deleted)).toBe(403)
  const stranger = await createTestUser('Stranger')
  const strangerCookie = await sessionCookieFor(stranger.id)
  const peek = await settle(() =>
    serverLoader({ request: getRequest(`/w/${workspaceId}/servers/${id}`, strangerCookie), params: { workspaceId, serverId: id }, context: loadContext() }),
  )
  expect(statusOf(peek)).toBe(404)
  // A server id from another workspace is "not found" inside the caller's own workspace.
  const ownWorkspace = await settle(() =>
    serverLoader({ request: getRequest(`/w/${stranger.workspaceId}/servers/${id}`, strangerCookie), params: { workspaceId: stranger.workspaceId, serverId: id }, context: loadContext() }),
  )
  expect(statusOf(ownWorkspace)).toBe(404)
  expect(await getDb().mcpServer.count({ where: { id } })).toBe(1)
  expect(owner.id).toBeTruthy()
})

test('editing the URL re-runs the probe and bumps the configuration version; deleting needs the confirmation', async () => {
  const { workspaceId, cookie } = await adminSetup()
  await addServer(workspaceId, cookie, { name: 'Demo', url: open.url })
  const before = await getDb().mcpServer.findFirstOrThrow({ where: { workspaceId }, select: { id: true, configVersion: true } })
  const edited = await settle(() =>
    editAction({
      request: formRequest(`/w/${workspaceId}/servers/${before.id}/edit`, { name: 'Demo', url: keyed.url, transport: 'auto', authType: 'detect', timeoutSeconds: '5', enabled: 'on' }, cookie),
      params: { workspaceId, serverId: before.id },
      context: loadContext(),
    }),
  )
  expect(statusOf(edited)).toBe(302)
  const after = await requireServer(workspaceId, before.id)
  expect(after).toMatchObject({ url: keyed.url, probeOutcome: 'headers_required', authType: 'headers' })
  expect(after.configVersion).toBeGreaterThan(before.configVersion)

  const unconfirmed = await settle(() =>
    deleteAction({ request: formRequest(`/w/${workspaceId}/servers/${before.id}/delete`, {}, cookie), params: { workspaceId, serverId: before.id }, context: loadContext() }),
  )
  expect(statusOf(unconfirmed)).toBe(400)
  await setServerHeader(await requireServer(workspaceId, before.id), 'X-Api-Key', API_KEY)
  const deleted = await settle(() =>
    deleteAction({ request: formRequest(`/w/${workspaceId}/servers/${before.id}/delete`, { confirm: 'on' }, cookie), params: { workspaceId, serverId: before.id }, context: loadContext() }),
  )
  expect(statusOf(deleted)).toBe(302)
  expect(await getDb().mcpServer.count({ where: { id: before.id } })).toBe(0)
  expect(await getDb().serverHeader.count({ where: { serverId: before.id } })).toBe(0)
})

test('the server page answers a bad form with its own reply and changes nothing; an unknown intent is a 400', async () => {
  const { workspaceId, cookie } = await adminSetup()
  await addServer(workspaceId, cookie, { name: 'Demo', url: open.url })
  const { id } = await getDb().mcpServer.findFirstOrThrow({ where: { workspaceId }, select: { id: true } })
  const post = (fields: Record<string, string>) =>
    settle(() => serverAction({ request: formRequest(`/w/${workspaceId}/servers/${id}`, fields, cookie), params: { workspaceId, serverId: id }, context: loadContext() }))
  const before = await getDb().auditEvent.count({ where: { serverId: id } })

  const tampered = await post({ intent: 'set-enabled', enabled: 'maybe' })
  expect(statusOf(tampered)).toBe(400)
  expect(dataOf(tampered)).toMatchObject({ intent: 'set-enabled', result: { status: 'error' } })
  const unconfirmed = await post({ intent: 'remove-oauth-client' })
  expect(statusOf(unconfirmed)).toBe(400)
  expect(dataOf(unconfirmed)).toMatchObject({ intent: 'remove-oauth-client', result: { error: { confirm: ['Tick the box to confirm'] } } })
  const badScopes = await post({ intent: 'set-oauth-scopes', scopes: 'a "quoted" scope' })
  expect(dataOf(badScopes)).toMatchObject({ intent: 'set-oauth-scopes', result: { error: { scopes: [expect.stringContaining('no quotes')] } } })
  expect(statusOf(await post({ intent: 'rename-everything' }))).toBe(400)

  expect(await getDb().mcpServer.findUniqueOrThrow({ where: { id }, select: { enabled: true, oauthClient: { select: { scopes: true } } } })).toMatchObject({ enabled: true, oauthClient: null })
  expect(await getDb().auditEvent.count({ where: { serverId: id } })).toBe(before)
})
