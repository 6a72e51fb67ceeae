import http from 'node:http'
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest'
import { z } from 'zod'
import { MAX_AUTHORIZATION_ROUNDS, savePendingToolCall } from '#app/models/pending-tool-call.server.ts'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { action as toolAction, loader as toolLoader } from '#app/routes/w.$workspaceId.servers.$serverId.tools.$toolName.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { readFlash } from '#app/utils/flash.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { listServerTools } from '#app/mcp/tools.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { autoApprove, connectThroughRoutes, finishCallbackRoute, startConnectRoute } from '#tests/multi-instance/oauth-kit.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import {
  BASE_URL,
  cookieHeaderFrom,
  createTestUser,
  dataOf,
  formRequest,
  getRequest,
  headersOf,
  loadContext,
  sessionCookieFor,
  settle,
  statusOf,
} from '#tests/utils.ts'

// Step-up is bounded and honest: one stopped tool call makes at most three authorization round
// trips (the first Connect included), then a sentence; a 403 naming only scopes the token holds
// is not answered with "Grant more access".

/** Grants `tickets:write` to nobody although `echo` needs it: every step-up comes back without it. */
let stubborn: SdkAuthServer
/** Refuses `echo` with 403 insufficient_scope naming the token's own scopes. */
let refusing: SdkAuthServer
/** Every request needs `tickets:read`, which is never granted: tools/list itself asks for a step-up. */
let listGuarded: SdkAuthServer
let account: { user: Awaited<ReturnType<typeof createTestUser>>; cookie: string }

beforeAll(async () => {
  const user = await createTestUser('Stepper')
  account = { user, cookie: await sessionCookieFor(user.id) }
  ;[stubborn, refusing, listGuarded] = await Promise.all([
    startSdkAuthServer({ toolScopes: { echo: 'tickets:write' }, withheldScopes: ['tickets:write'] }),
    startSdkAuthServer({ scopeRefusedTools: ['echo'] }),
    startSdkAuthServer({ requiredScopes: ['tickets:read'], withheldScopes: ['tickets:read'] }),
  ])
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([stubborn?.close(), refusing?.close(), listGuarded?.close()])
})

async function createServer(url: string) {
  const created = await getDb().mcpServer.create({
    data: { workspaceId: account.user.workspaceId, name: `Step-up ${Math.random().toString(36).slice(2, 10)}`, url, authType: 'oauth', authTypeLocked: true, timeoutMs: 10_000 },
    select: { id: true },
  })
  const workspaceId = account.user.workspaceId
  return { workspaceId, serverId: created.id, toolPath: `/w/${workspaceId}/servers/${created.id}/tools/echo` }
}

const FailureSchema = z.object({
  kind: z.string(),
  action: z.string(),
  message: z.string(),
  scopes: z.string().optional(),
  pending: z.string().nullable().optional(),
})
const FailureDataSchema = z.object({ kind: z.literal('failure'), failure: FailureSchema }).transform((data) => data.failure)

async function runEcho(workspaceId: string, serverId: string, message: string) {
  const result = await settle(() =>
    toolAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/tools/echo`, { intent: 'run-tool', 'arg.message': message }, account.cookie),
      params: { workspaceId, serverId, toolName: 'echo' },
      context: loadContext(),
    }),
  )
  return { status: statusOf(result), failure: FailureDataSchema.parse(dataOf(result)) }
}

/** Opens the tool page at `path` (e.g. with ?resume=) and returns the resumed call's failure. */
async function resumedFailure(workspaceId: string, serverId: string, path: string) {
  const result = await settle(() => toolLoader({ request: getRequest(path, account.cookie), params: { workspaceId, serverId, toolName: 'echo' }, context: loadContext() }))
  return z.object({ resumed: FailureDataSchema }).parse(dataOf(result)).resumed
}

/** Opens the tool page at `path` and returns the page's own failure (its tool list refused). */
async function pageFailure(workspaceId: string, serverId: string, path: string) {
  const result = await settle(() => toolLoader({ request: getRequest(path, account.cookie), params: { workspaceId, serverId, toolName: 'echo' }, context: loadContext() }))
  return z.object({ failure: FailureSchema }).parse(dataOf(result)).failure
}

/** The Connect route's answer to a form, and its flash. */
async function postConnect(workspaceId: string, serverId: string, fields: Record<string, string>) {
  const result = await settle(() =>
    connectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/connect`, fields, account.cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )
  return { status: statusOf(result), location: headersOf(result).get('Location') ?? '', flash: await flashOf(headersOf(result)) }
}

async function flashOf(headers: Headers) {
  const cookie = cookieHeaderFrom(...headers.getSetCookie())
  const { flash } = await readFlash(new Request(BASE_URL, { headers: { Cookie: cookie } }))
  return flash
}

test('one stopped call makes at most 3 authorization round trips, the first Connect included, then a sentence names what the server asked for', async () => {
  const { workspaceId, serverId, toolPath } = await createServer(stubborn.mcpUrl)
  const authorizationsBefore = stubborn.stats.authorizations

  // Not connected: the call is kept and the Connect carries it.
  const first = await runEcho(workspaceId, serverId, 'keep me')
  expect(first.status).toBe(502)
  expect(first.failure.action).toBe('connect')
  expect(first.failure.pending).toMatch(/^[A-Za-z0-9_-]{32}$/)

  let failure = first.failure
  for (let round = 1; round <= MAX_AUTHORIZATION_ROUNDS; round++) {
    const pending = failure.pending ?? ''
    const fields: Record<string, string> =
      round === 1 ? { intent: 'connect', returnTo: toolPath, pending } : { intent: 'step-up', returnTo: toolPath, pending, scopes: failure.scopes ?? '', tool: 'echo' }
    const started = await startConnectRoute(workspaceId, serverId, account.cookie, fields)
    expect(started.status).toBe(302)
    const finished = await finishCallbackRoute(await autoApprove(started.location), account.cookie)
    expect(finished.location).toBe(`${toolPath}?resume=${pending}`)
    failure = await resumedFailure(workspaceId, serverId, finished.location)
    if (round < MAX_AUTHORIZATION_ROUNDS) {
      expect(failure).toMatchObject({ kind: 'insufficient_scope', action: 'step_up' })
      expect(failure.scopes?.split(' ')).toContain('tickets:write')
      expect(failure.pending).toMatch(/^[A-Za-z0-9_-]{32}$/)
    }
  }
  // After the third round trip: no 4th "Grant more access", a sentence with the scopes instead.
  expect(failure).toMatchObject({ action: 'none', pending: null })
  expect(failure.message).toContain('keeps refusing the tool “echo”')
  expect(failure.message).toContain('tickets:write')
  expect(stubborn.stats.authorizations).toBe(authorizationsBefore + MAX_AUTHORIZATION_ROUNDS)

  // A new call later starts its own count: it is offered a step-up again.
  const later = await runEcho(workspaceId, serverId, 'a new call')
  expect(later.failure).toMatchObject({ kind: 'insufficient_scope', action: 'step_up' })
  expect(later.failure.pending).toMatch(/^[A-Za-z0-9_-]{32}$/)
})

test('a 4th round trip for a call that used its three is refused by the Connect route with the sentence', async () => {
  const { workspaceId, serverId, toolPath } = await createServer(stubborn.mcpUrl)
  await connectThroughRoutes({ workspaceId, serverId, cookie: account.cookie })
  const pending = await savePendingToolCall({
    userId: account.user.id,
    serverId,
    toolName: 'echo',
    input: { kind: 'arguments', arguments: { message: 'stale form' } },
    rounds: MAX_AUTHORIZATION_ROUNDS,
    requestedScopes: 'mcp:tools tickets:write',
  })
  const authorizationsBefore = stubborn.stats.authorizationRequests

  const result = await settle(() =>
    connectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/connect`, { intent: 'step-up', returnTo: toolPath, pending, scopes: 'mcp:tools tickets:write', tool: 'echo' }, account.cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )
  expect(statusOf(result)).toBe(302)
  expect(headersOf(result).get('Location')).toBe(toolPath)
  const flash = await flashOf(headersOf(result))
  expect(flash).toMatchObject({ kind: 'error', message: expect.stringContaining('keeps refusing the tool “echo”') })
  expect(flash?.message).toContain('tickets:write')
  expect(stubborn.stats.authorizationRequests).toBe(authorizationsBefore)
})

test('a 403 naming only scopes the token already holds says the server refuses a granted scope, offers no step-up and is audited', async () => {
  const { workspaceId, serverId } = await createServer(refusing.mcpUrl)
  await connectThroughRoutes({ workspaceId, serverId, cookie: account.cookie })
  const authorizationsBefore = refusing.stats.authorizationRequests

  const refused = await runEcho(workspaceId, serverId, 'refused')
  expect(refused.failure).toMatchObject({ kind: 'scope_refused', action: 'none', pending: null })
  expect(refused.failure.message).toContain('“echo”')
  expect(refused.failure.message).toContain('mcp:tools')
  expect(refused.failure.message).toContain('already grants')
  expect(refused.failure.message).not.toContain('more access than you granted')
  expect(await getDb().pendingToolCall.count({ where: { serverId } })).toBe(0)
  expect(refusing.stats.authorizationRequests).toBe(authorizationsBefore)

  const audit = await getDb().auditEvent.findMany({ where: { serverId, event: 'oauth.scope_refused' }, select: { actorId: true, outcome: true, scopes: true, issuer: true, detail: true } })
  expect(audit).toEqual([
    { actorId: account.user.id, outcome: 'failure', scopes: 'mcp:tools', issuer: refusing.issuer, detail: expect.stringContaining('echo') },
  ])
})

test('a step-up that no stopped call counts (the tool list itself refused) is capped per person and server: three an hour, then the sentence', async () => {
  const { workspaceId, serverId } = await createServer(listGuarded.mcpUrl)
  await connectThroughRoutes({ workspaceId, serverId, cookie: account.cookie })
  const listing = await listServerTools(account.user.id, await requireServer(workspaceId, serverId))
  expect(listing).toMatchObject({ ok: false, failure: { kind: 'insufficient_scope', action: 'step_up' } })
  const scopes = listing.ok ? '' : (listing.failure.scopes ?? '')
  expect(scopes.split(' ')).toContain('tickets:read')
  const toolsPage = `/w/${workspaceId}/tools?server=${serverId}`

  for (let attempt = 1; attempt <= 3; attempt++) {
    const started = await postConnect(workspaceId, serverId, { intent: 'step-up', returnTo: toolsPage, scopes })
    expect(started.status).toBe(302)
    expect(started.location.startsWith(new URL(listGuarded.issuer).origin)).toBe(true)
  }
  const fourth = await postConnect(workspaceId, serverId, { intent: 'step-up', returnTo: toolsPage, scopes })
  expect(fourth.location).toBe(toolsPage)
  expect(fourth.flash).toMatchObject({ kind: 'error', message: expect.stringContaining('keeps refusing its tools') })
  expect(fourth.flash?.message).toContain('tickets:read')
  expect(fourth.flash?.message).toMatch(/try again in \d+ minutes/)

  // A plain Connect is the person's own new sign-in, not a step-up: it still starts.
  const connect = await postConnect(workspaceId, serverId, { intent: 'connect', returnTo: toolsPage })
  expect(connect.location.startsWith(new URL(listGuarded.issuer).origin)).toBe(true)
})

test('a tool call stopped by a refused tool list is kept for the step-up too: three rounds, then the sentence on the tool page', async () => {
  const { workspaceId, serverId, toolPath } = await createServer(listGuarded.mcpUrl)
  await connectThroughRoutes({ workspaceId, serverId, cookie: account.cookie })
  const first = await runEcho(workspaceId, serverId, 'needs the list')
  expect(first.failure).toMatchObject({ kind: 'insufficient_scope', action: 'step_up' })
  const pending = first.failure.pending ?? ''
  expect(pending).toMatch(/^[A-Za-z0-9_-]{32}$/)

  let failure = first.failure
  for (let round = 1; round <= MAX_AUTHORIZATION_ROUNDS; round++) {
    const started = await startConnectRoute(workspaceId, serverId, account.cookie, { intent: 'step-up', returnTo: toolPath, pending, scopes: failure.scopes ?? '', tool: 'echo' })
    expect(started.status).toBe(302)
    const finished = await finishCallbackRoute(await autoApprove(started.location), account.cookie)
    expect(finished.location).toBe(`${toolPath}?resume=${pending}`)
    failure = await pageFailure(workspaceId, serverId, finished.location)
    if (round < MAX_AUTHORIZATION_ROUNDS) expect(failure).toMatchObject({ kind: 'insufficient_scope', action: 'step_up', pending })
  }
  expect(failure).toMatchObject({ action: 'none', pending: null })
  expect(failure.message).toContain('keeps refusing the tool “echo”')
  expect(failure.message).toContain('tickets:read')
  expect(await getDb().pendingToolCall.count({ where: { serverId } })).toBe(0)
})

test('a Connect or step-up that fails to start (discovery failed) uses no round up and does not count against the cap', async () => {
  // An address that answers 404 to everything: discovery fails before any redirect.
  const nothing = http.createServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain' })
    res.end('Not found')
  })
  const origin = await listenOnLoopback(nothing)
  onTestFinished(() => closeServer(nothing))
  const { workspaceId, serverId, toolPath } = await createServer(`${origin}/mcp`)
  const pending = await savePendingToolCall({
    userId: account.user.id,
    serverId,
    toolName: 'echo',
    input: { kind: 'arguments', arguments: { message: 'waiting' } },
    rounds: MAX_AUTHORIZATION_ROUNDS - 1,
    requestedScopes: 'tickets:write',
  })

  for (let attempt = 1; attempt <= 4; attempt++) {
    const connect = await postConnect(workspaceId, serverId, { intent: 'connect', returnTo: toolPath, pending })
    expect(connect.location).toBe(toolPath)
    expect(connect.flash?.kind).toBe('error')
    expect(connect.flash?.message).not.toContain('keeps refusing')
    const stepUp = await postConnect(workspaceId, serverId, { intent: 'step-up', returnTo: toolPath, scopes: 'mcp:tools tickets:write', tool: 'echo' })
    expect(stepUp.flash?.kind).toBe('error')
    expect(stepUp.flash?.message).not.toContain('keeps refusing')
  }
  const row = await getDb().pendingToolCall.findUnique({ where: { id: pending }, select: { rounds: true } })
  expect(row?.rounds).toBe(MAX_AUTHORIZATION_ROUNDS - 1)
})
