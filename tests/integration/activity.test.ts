// Tool calls recorded from the tool page (ToolCall), the audit log as one feed of events and
// calls (filters, keyset paging, CSV), the health charts and the Overview, on both databases,
// against the demo MCP server (a real SDK server on 127.0.0.1).
import { randomBytes } from 'node:crypto'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { PrismaClient as PostgresClient } from '#app/generated/prisma-postgresql/client.ts'
import { PrismaClient as SqliteClient } from '#app/generated/prisma-sqlite/client.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { ACTIVITY_PAGE_SIZE } from '#app/models/activity.server.ts'
import { csvCell } from '#app/models/activity-csv.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { HEALTH_CALLS, MAX_STORED_ARGUMENTS_BYTES, recentServerHealth, recordToolCall, toolCallArgumentsContext } from '#app/models/tool-call-log.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { loader as overviewLoader } from '#app/routes/w.$workspaceId._index/route.tsx'
import { loader as auditLoader } from '#app/routes/w.$workspaceId.audit.tsx'
import { loader as csvLoader } from '#app/routes/w.$workspaceId.audit[.]csv.ts'
import { loader as serverLoader } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { action as toolAction } from '#app/routes/w.$workspaceId.servers.$serverId.tools.$toolName.tsx'
import { decryptSecret } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { TOOL_CALL_RETENTION_MS, runHousekeeping } from '#app/utils/housekeeping.server.ts'
import { encryptedColumns } from '#app/utils/reencrypt.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { createTestUser, formRequest, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

let demo: DemoMcpServer

beforeAll(async () => {
  demo = await startDemoMcpServer()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await demo?.close()
})

async function workspaceWithServer(name = `Demo ${randomBytes(3).toString('hex')}`) {
  const owner = await createTestUser('Owner')
  const cookie = await sessionCookieFor(owner.id)
  const server = await getDb().mcpServer.create({
    data: { workspaceId: owner.workspaceId, name, url: demo.url, timeoutMs: 10_000 },
    select: { id: true, name: true, workspaceId: true },
  })
  return { owner, cookie, server, workspaceId: owner.workspaceId }
}

function runTool(ctx: { cookie: string; workspaceId: string; server: { id: string } }, toolName: string, fields: Record<string, string>) {
  const path = `/w/${ctx.workspaceId}/servers/${ctx.server.id}/tools/${toolName}`
  return toolAction({
    request: formRequest(path, { intent: 'run-tool', ...fields }, ctx.cookie),
    params: { workspaceId: ctx.workspaceId, serverId: ctx.server.id, toolName },
    context: loadContext(),
  })
}

function audit(ctx: { cookie: string; workspaceId: string }, query = '') {
  return auditLoader({ request: getRequest(`/w/${ctx.workspaceId}/audit${query}`, ctx.cookie), params: { workspaceId: ctx.workspaceId }, context: loadContext() })
}

async function csv(ctx: { cookie: string; workspaceId: string }, query = '') {
  const response = await csvLoader({ request: getRequest(`/w/${ctx.workspaceId}/audit.csv${query}`, ctx.cookie), params: { workspaceId: ctx.workspaceId }, context: loadContext() })
  return { response, text: await response.text() }
}

test('every call from the tool page is recorded with who, server, tool, outcome and duration; arguments only encrypted', async () => {
  const ctx = await workspaceWithServer()
  const marker = `secret-argument-${randomBytes(6).toString('hex')}`
  await runTool(ctx, 'echo', { 'arg.message': marker })
  await runTool(ctx, 'fail', { 'arg.reason': 'on purpose' })
  // Invalid input is refused before anything is sent.
  await runTool(ctx, 'color_swatch', { 'arg.color': 'purple' })
  // Too large to keep: recorded, without its arguments.
  await runTool(ctx, 'echo', { 'arg.message': 'x'.repeat(MAX_STORED_ARGUMENTS_BYTES + 1) })

  const calls = await getDb().toolCall.findMany({
    where: { workspaceId: ctx.workspaceId },
    select: { id: true, userId: true, serverId: true, serverName: true, toolName: true, outcome: true, durationMs: true, arguments: true, via: true },
    orderBy: { createdAt: 'asc' },
  })
  expect(calls.map((c) => [c.toolName, c.outcome])).toEqual([
    ['echo', 'success'],
    ['fail', 'tool_error'],
    ['color_swatch', 'refused'],
    ['echo', 'success'],
  ])
  for (const call of calls) {
    expect(call).toMatchObject({ userId: ctx.owner.id, serverId: ctx.server.id, serverName: ctx.server.name, via: 'web' })
    expect(call.durationMs).toBeGreaterThanOrEqual(0)
  }
  const [echo, , refused, huge] = calls
  expect(echo?.arguments).not.toContain(marker)
  const opened = decryptSecret(echo?.arguments ?? '', toolCallArgumentsContext(echo?.id ?? ''))
  expect(opened.ok && JSON.parse(opened.value)).toEqual({ message: marker, uppercase: false })
  // Bound to its row: the same ciphertext does not open as another row's.
  expect(decryptSecret(echo?.arguments ?? '', toolCallArgumentsContext('another-row')).ok).toBe(false)
  expect(refused?.arguments).toBeNull()
  expect(huge?.arguments).toBeNull()
  expect(encryptedColumns).toContainEqual({ table: 'ToolCall', idColumn: 'id', column: 'arguments' })

  // The audit log and its CSV show the calls (who, tool, outcome, duration), never the arguments.
  const page = await audit(ctx)
  const shown = page.entries.filter((e) => e.kind === 'tool_call')
  expect(shown.map((e) => [e.what, e.outcomeLabel])).toEqual([
    ['echo', 'Succeeded'],
    ['color_swatch', 'Refused'],
    ['fail', 'Tool reported an error'],
    ['echo', 'Succeeded'],
  ])
  expect(shown[0]).toMatchObject({ actor: 'Owner', actorEmail: ctx.owner.email, serverName: ctx.server.name })
  expect(typeof shown[0]?.durationMs).toBe('number')
  expect(JSON.stringify(page)).not.toContain(marker)
  const { text } = await csv(ctx)
  expect(text).toContain('"tool call","echo","Succeeded"')
  expect(text).not.toContain(marker)
})

test('a call on a disabled server is recorded as refused, and a sign-in that is missing as reauth_required', async () => {
  const ctx = await workspaceWithServer()
  await getDb().mcpServer.update({ where: { id: ctx.server.id }, data: { enabled: false }, select: { id: true } })
  await settle(() => runTool(ctx, 'echo', { 'arg.message': 'hi' }))
  const oauth = await getDb().mcpServer.create({
    data: { workspaceId: ctx.workspaceId, name: 'Needs sign-in', url: demo.url, timeoutMs: 10_000, authType: 'oauth' },
    select: { id: true },
  })
  await settle(() => runTool({ ...ctx, server: oauth }, 'echo', { 'arg.message': 'hi' }))
  const calls = await getDb().toolCall.findMany({ where: { workspaceId: ctx.workspaceId }, select: { serverId: true, outcome: true, arguments: true } })
  expect(calls).toEqual(
    expect.arrayContaining([
      { serverId: ctx.server.id, outcome: 'refused', arguments: null },
      { serverId: oauth.id, outcome: 'reauth_required', arguments: null },
    ]),
  )
})

test('the log filters by person, server and kind, and pages through events and calls with ties without skipping or repeating', async () => {
  const ctx = await workspaceWithServer('Alpha')
  const colleague = await createTestUser('Colleague')
  await addMember(ctx.workspaceId, 'owner', colleague.email, 'member')
  const beta = await getDb().mcpServer.create({ data: { workspaceId: ctx.workspaceId, name: 'Beta', url: demo.url }, select: { id: true, name: true, workspaceId: true } })
  // Many rows at one instant (ties broken by id), in both tables, for two people and two servers.
  const instant = new Date(Date.now() - 60_000)
  const total = ACTIVITY_PAGE_SIZE + 25
  await getDb().auditEvent.createMany({
    data: Array.from({ length: total }, (_, i) => ({
      workspaceId: ctx.workspaceId,
      actorId: i % 2 ? colleague.id : ctx.owner.id,
      serverId: i % 3 ? ctx.server.id : beta.id,
      serverName: i % 3 ? 'Alpha' : 'Beta',
      event: i % 4 ? 'server.tested' : 'oauth.connected',
      detail: `event ${i}`,
      createdAt: instant,
    })),
  })
  for (let i = 0; i < total; i++) {
    await recordToolCall({
      server: i % 3 ? ctx.server : beta,
      userId: i % 2 ? colleague.id : ctx.owner.id,
      toolName: `tool_${i}`,
      outcome: 'success',
      durationMs: i,
      arguments: null,
    })
  }
  await getDb().toolCall.updateMany({ where: { workspaceId: ctx.workspaceId }, data: { createdAt: instant } })

  async function everything(query: string) {
    const seen: string[] = []
    let next: string | null = ''
    for (let pages = 0; next !== null && pages < 20; pages++) {
      const page = await audit(ctx, `?${query}${next ? `&before=${encodeURIComponent(next)}` : ''}`)
      expect(page.entries.length).toBeLessThanOrEqual(ACTIVITY_PAGE_SIZE)
      seen.push(...page.entries.map((e) => `${e.kind}:${e.detail ?? e.what}`))
      next = page.nextBefore
    }
    return seen
  }

  const all = await everything('')
  expect(all).toHaveLength(total * 2)
  expect(new Set(all).size).toBe(total * 2)

  const colleagueOnly = await everything(`person=${colleague.id}`)
  expect(colleagueOnly).toHaveLength(total - Math.ceil(total / 2) + (total - Math.ceil(total / 2)))
  const betaCalls = await everything(`server=${beta.id}&kind=tool_call`)
  expect(betaCalls).toHaveLength(Math.ceil(total / 3))
  expect(betaCalls.every((e) => e.startsWith('tool_call:'))).toBe(true)
  const oauthEvents = await everything('kind=oauth')
  expect(oauthEvents).toHaveLength(Math.ceil(total / 4))
  expect(oauthEvents.every((e) => e.startsWith('event:'))).toBe(true)
  // Combined: the colleague's server events on Beta.
  const combined = await everything(`person=${colleague.id}&server=${beta.id}&kind=server`)
  const expected = Array.from({ length: total }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 === 0 && i % 4 !== 0)
  expect(combined.sort()).toEqual(expected.map((i) => `event:event ${i}`).sort())

  // The page offers the workspace's people and servers, and says what it filters by.
  const page = await audit(ctx, `?server=${beta.id}`)
  expect(page.options.servers.map((s) => s.name)).toEqual(['Alpha', 'Beta'])
  expect(page.options.people.map((p) => p.name).sort()).toEqual(['Colleague', 'Owner'])
  expect(page.filter).toEqual({ actorId: null, serverId: beta.id, kind: null })
  // A made-up cursor or filter value starts at the newest, filtering nothing it does not understand.
  const odd = await audit(ctx, '?before=yesterday&kind=everything&person=%27%20OR%201%3D1')
  expect(odd.filter).toEqual({ actorId: null, serverId: null, kind: null })
  expect(odd.entries).toHaveLength(ACTIVITY_PAGE_SIZE)
})

test('the CSV export holds the filtered view, quoted and defused against formulas, and is for owners and admins', async () => {
  const ctx = await workspaceWithServer('=HYPERLINK("http://evil.example","x")')
  await recordAudit({ workspaceId: ctx.workspaceId, actorId: ctx.owner.id, event: 'server.tested', server: ctx.server, detail: '+cmd|"/c calc"!A1, with a comma' })
  await recordToolCall({ server: ctx.server, userId: ctx.owner.id, toolName: '@sum', outcome: 'failure', durationMs: 42, arguments: { token: 'never-exported' } })
  const { response, text } = await csv(ctx)
  expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8')
  expect(response.headers.get('Content-Disposition')).toMatch(/^attachment; filename="switchboard-audit-\d{4}-\d{2}-\d{2}\.csv"$/)
  expect(response.headers.get('Cache-Control')).toContain('no-store')
  const lines = text.trim().split('\r\n')
  expect(lines[0]).toBe('"time_utc","person","email","kind","what","outcome","server","duration_ms","details","authorization_server","scopes","app"')
  expect(lines).toHaveLength(3)
  expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`)
  expect(text).toContain(`"'+cmd|""/c calc""!A1, with a comma"`)
  expect(text).toContain(`"tool call","'@sum","Failed"`)
  expect(text).toContain('"42"')
  expect(text).not.toContain('never-exported')
  // Filtered like the page: only the calls.
  const calls = await csv(ctx, '?kind=tool_call')
  expect(calls.text.trim().split('\r\n')).toHaveLength(2)
  expect(csvCell('-1+1')).toBe(`"'-1+1"`)
  expect(csvCell(-5)).toBe('"-5"')

  const member = await createTestUser('Member')
  await addMember(ctx.workspaceId, 'owner', member.email, 'member')
  const memberCookie = await sessionCookieFor(member.id)
  const refused = await settle(() =>
    csvLoader({ request: getRequest(`/w/${ctx.workspaceId}/audit.csv`, memberCookie), params: { workspaceId: ctx.workspaceId }, context: loadContext() }),
  )
  expect(statusOf(refused)).toBe(403)
})

test('housekeeping deletes tool calls older than the retention period and keeps recent ones', async () => {
  const ctx = await workspaceWithServer()
  await recordToolCall({ server: ctx.server, userId: ctx.owner.id, toolName: 'old', outcome: 'success', durationMs: 1, arguments: { a: 1 } })
  await recordToolCall({ server: ctx.server, userId: ctx.owner.id, toolName: 'recent', outcome: 'success', durationMs: 1, arguments: null })
  await getDb().toolCall.updateMany({ where: { workspaceId: ctx.workspaceId, toolName: 'old' }, data: { createdAt: new Date(Date.now() - TOOL_CALL_RETENTION_MS - 60_000) } })
  const deleted = await runHousekeeping()
  expect(deleted.toolCalls).toBeGreaterThanOrEqual(1)
  const left = await getDb().toolCall.findMany({ where: { workspaceId: ctx.workspaceId }, select: { toolName: true } })
  expect(left).toEqual([{ toolName: 'recent' }])
})

test('health: the latest answers per server, oldest first, without refusals or sign-ins, on the server page and the Overview', async () => {
  const ctx = await workspaceWithServer('Healthy')
  const quiet = await getDb().mcpServer.create({ data: { workspaceId: ctx.workspaceId, name: 'Quiet', url: demo.url }, select: { id: true } })
  for (let i = 0; i < HEALTH_CALLS + 5; i++) {
    await recordToolCall({ server: ctx.server, userId: ctx.owner.id, toolName: 'echo', outcome: i % 10 === 9 ? 'failure' : 'success', durationMs: 100 + i, arguments: null })
  }
  await recordToolCall({ server: ctx.server, userId: ctx.owner.id, toolName: 'echo', outcome: 'refused', durationMs: 0, arguments: null })
  await recordToolCall({ server: ctx.server, userId: ctx.owner.id, toolName: 'echo', outcome: 'reauth_required', durationMs: 0, arguments: null })
  // Spread over time so that "oldest first" is observable.
  const rows = await getDb().toolCall.findMany({ where: { serverId: ctx.server.id }, select: { id: true, durationMs: true }, orderBy: { durationMs: 'asc' } })
  for (const [index, row] of rows.entries()) {
    await getDb().toolCall.update({ where: { id: row.id }, data: { createdAt: new Date(Date.now() - (rows.length - index) * 1000) }, select: { id: true } })
  }

  const health = await recentServerHealth(ctx.workspaceId)
  const samples = health[ctx.server.id] ?? []
  expect(samples).toHaveLength(HEALTH_CALLS)
  expect(samples.map((s) => s.durationMs)).toEqual(Array.from({ length: HEALTH_CALLS }, (_, i) => 105 + i))
  expect(samples.filter((s) => s.outcome === 'failure')).toHaveLength(3)
  expect(health[quiet.id]).toBeUndefined()
  expect(await recentServerHealth(ctx.workspaceId, ctx.server.id)).toEqual({ [ctx.server.id]: samples })

  const params = { workspaceId: ctx.workspaceId, serverId: ctx.server.id }
  const serverPage = await serverLoader({ request: getRequest(`/w/${ctx.workspaceId}/servers/${ctx.server.id}`, ctx.cookie), params, context: loadContext() })
  expect(serverPage.health).toEqual(samples)

  const overview = await overviewLoader({ request: getRequest(`/w/${ctx.workspaceId}`, ctx.cookie), params, context: loadContext() })
  expect(overview.servers.map((s) => [s.name, s.health.length])).toEqual([
    ['Healthy', HEALTH_CALLS],
    ['Quiet', 0],
  ])
})

test('the Overview of a workspace without servers invites admins to add one and tells members who can', async () => {
  const owner = await createTestUser('Owner')
  const member = await createTestUser('Member')
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  const params = { workspaceId: owner.workspaceId }
  const asOwner = await overviewLoader({ request: getRequest(`/w/${owner.workspaceId}`, await sessionCookieFor(owner.id)), params, context: loadContext() })
  expect(asOwner).toMatchObject({ servers: [], canManage: true, memberCount: 2 })
  const asMember = await overviewLoader({ request: getRequest(`/w/${owner.workspaceId}`, await sessionCookieFor(member.id)), params, context: loadContext() })
  expect(asMember).toMatchObject({ servers: [], canManage: false })
})

test('the Overview lists each server with its tool count and this person’s sign-in, in one statement for all servers', async () => {
  const ctx = await workspaceWithServer('Listed')
  await getDb().serverProbe.create({ data: { serverId: ctx.server.id, probedAt: new Date(), outcome: 'open', message: 'ok', toolCount: 7 }, select: { serverId: true } })
  await getDb().mcpServer.create({ data: { workspaceId: ctx.workspaceId, name: 'OAuth one', url: demo.url, authType: 'oauth' }, select: { id: true } })
  const overview = await overviewLoader({ request: getRequest(`/w/${ctx.workspaceId}`, ctx.cookie), params: { workspaceId: ctx.workspaceId }, context: loadContext() })
  // The same one status as the server list and the server page (models/server-status.ts).
  expect(overview.servers.map(({ name, toolCount, status }) => ({ name, toolCount, status: status.label }))).toEqual([
    { name: 'Listed', toolCount: 7, status: 'Ready' },
    { name: 'OAuth one', toolCount: null, status: 'Needs sign-in' },
  ])
})

/** Runs `fn` with the process's database client replaced by one that counts the SQL statements it sends. */
async function countStatements(fn: () => Promise<unknown>): Promise<number> {
  const url = process.env.DATABASE_URL ?? ''
  const log = [{ emit: 'event' as const, level: 'query' as const }]
  const counting = url.startsWith('postgres')
    ? new PostgresClient({ adapter: new PrismaPg({ connectionString: url }), log })
    : new SqliteClient({ adapter: new PrismaBetterSqlite3({ url }), log })
  let statements = 0
  counting.$on('query', () => {
    statements += 1
  })
  // getDb() keeps its client here (app/utils/db.server.ts).
  const previous: unknown = Reflect.get(globalThis, '__switchboardDb')
  Reflect.set(globalThis, '__switchboardDb', counting)
  try {
    await fn()
  } finally {
    Reflect.set(globalThis, '__switchboardDb', previous)
    await counting.$disconnect()
  }
  return statements
}

test('the Overview and the audit page cost the same few statements for one server or many, one entry or a full page', async () => {
  const ctx = await workspaceWithServer('First')
  const overview = () => overviewLoader({ request: getRequest(`/w/${ctx.workspaceId}`, ctx.cookie), params: { workspaceId: ctx.workspaceId }, context: loadContext() })
  await recordToolCall({ server: ctx.server, userId: ctx.owner.id, toolName: 'echo', outcome: 'success', durationMs: 5, arguments: null })
  // A session's first request notes when it was last seen (at most every few minutes): not counted here.
  await overview()
  const small = { overview: await countStatements(overview), audit: await countStatements(() => audit(ctx)) }
  for (let i = 0; i < 6; i++) {
    const server = await getDb().mcpServer.create({ data: { workspaceId: ctx.workspaceId, name: `More ${i}`, url: demo.url, authType: i % 2 ? 'oauth' : 'none' }, select: { id: true, name: true, workspaceId: true } })
    for (let j = 0; j < 12; j++) await recordToolCall({ server, userId: ctx.owner.id, toolName: 'echo', outcome: 'success', durationMs: j, arguments: null })
    await recordAudit({ workspaceId: ctx.workspaceId, actorId: ctx.owner.id, event: 'server.created', server })
  }
  const large = { overview: await countStatements(overview), audit: await countStatements(() => audit(ctx)) }
  expect(large).toEqual(small)
  expect(small.overview).toBeGreaterThanOrEqual(3)
  // The session's user and the membership, then: servers, health, member count (5); filter options, one page (4).
  expect(small).toEqual({ overview: 5, audit: 4 })
})
