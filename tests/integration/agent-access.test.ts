// Per server, "available to agents" and the agent tool prefix (server page form), shown on the server page, the
// server list and the Overview's "Use your workspace from an agent"; and agent calls named by their app in the
// audit feed and its CSV. On both databases.
import { randomBytes } from 'node:crypto'
import { expect, test } from 'vitest'
import { recordToolCall } from '#app/models/tool-call-log.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { loader as overviewLoader } from '#app/routes/w.$workspaceId._index/route.tsx'
import { loader as auditLoader } from '#app/routes/w.$workspaceId.audit.tsx'
import { loader as csvLoader } from '#app/routes/w.$workspaceId.audit[.]csv.ts'
import { action as serverAction, loader as serverLoader } from '#app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'
import { loader as listLoader } from '#app/routes/w.$workspaceId.servers._index/route.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { createTestUser, dataOf, flashOf, formRequest, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

async function workspace() {
  const owner = await createTestUser('Owner')
  const cookie = await sessionCookieFor(owner.id)
  const add = (name: string) =>
    getDb().mcpServer.create({ data: { workspaceId: owner.workspaceId, name, url: `http://127.0.0.1:9/${randomBytes(3).toString('hex')}` }, select: { id: true, name: true } })
  return { owner, cookie, workspaceId: owner.workspaceId, add }
}

const save = (workspaceId: string, serverId: string, cookie: string, fields: Record<string, string>) =>
  settle(() =>
    serverAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}`, { intent: 'set-agent-access', ...fields }, cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )

type Reply = { intent: string; result: { error?: Record<string, string[] | null> } }
const errorsOf = (result: unknown) => (dataOf(result) as Reply).result.error ?? {}

type ServerPage = { agents: { available: boolean; prefix: string | null; effectivePrefix: string; derivedPrefix: string; serverEndpoint: string } }
const serverPage = async (workspaceId: string, serverId: string, cookie: string) =>
  dataOf(await serverLoader({ request: getRequest(`/w/${workspaceId}/servers/${serverId}`, cookie), params: { workspaceId, serverId }, context: loadContext() })) as ServerPage

test('an admin turns a server’s agent access off and on and sets its prefix; each change is audited and shown', async () => {
  const { owner, cookie, workspaceId, add } = await workspace()
  const linear = await add('Linear (EU)')

  const before = await serverPage(workspaceId, linear.id, cookie)
  expect(before.agents).toMatchObject({ available: true, prefix: null, effectivePrefix: 'linear-eu', derivedPrefix: 'linear-eu' })
  expect(before.agents.serverEndpoint).toBe(`http://127.0.0.1:3000/mcp/${workspaceId}/${linear.id}`)

  // Unticked "Available to agents" sends nothing: off.
  const off = await save(workspaceId, linear.id, cookie, { agentPrefix: '' })
  expect(statusOf(off)).toBe(302)
  expect((await flashOf(off))?.message).toBe('Saved. Linear (EU) is not offered to agents.')
  expect(await getDb().mcpServer.findUniqueOrThrow({ where: { id: linear.id }, select: { availableToAgents: true, agentPrefix: true } })).toEqual({
    availableToAgents: false,
    agentPrefix: null,
  })

  const on = await save(workspaceId, linear.id, cookie, { available: 'on', agentPrefix: 'lin' })
  expect((await flashOf(on))?.message).toBe('Saved. Agents can use Linear (EU).')
  expect((await serverPage(workspaceId, linear.id, cookie)).agents).toMatchObject({ available: true, prefix: 'lin', effectivePrefix: 'lin', derivedPrefix: 'linear-eu' })

  const unchanged = await save(workspaceId, linear.id, cookie, { available: 'on', agentPrefix: 'lin' })
  expect((await flashOf(unchanged))?.message).toBe('Nothing changed.')

  const events = await getDb().auditEvent.findMany({
    where: { workspaceId, event: 'server.agent_access_changed' },
    select: { actorId: true, serverId: true, detail: true },
    orderBy: { createdAt: 'asc' },
  })
  expect(events).toEqual([
    { actorId: owner.id, serverId: linear.id, detail: 'no longer offered to agents' },
    { actorId: owner.id, serverId: linear.id, detail: 'offered to agents; tool prefix linear-eu → lin' },
  ])

  // The server list says which servers agents are offered, and as what.
  const list = dataOf(await listLoader({ request: getRequest(`/w/${workspaceId}/servers`, cookie), params: { workspaceId }, context: loadContext() })) as {
    servers: Array<{ id: string; agentPrefix: string | null }>
  }
  expect(list.servers.find((s) => s.id === linear.id)?.agentPrefix).toBe('lin')
})

test('a prefix must match the pattern and be free in the workspace; the error names the server that has it', async () => {
  const { cookie, workspaceId, add } = await workspace()
  const github = await add('GitHub')
  const linear = await add('Linear')
  await save(workspaceId, github.id, cookie, { available: 'on', agentPrefix: 'gh' })

  for (const bad of ['GH', 'git hub', '-gh', 'gh_tools', 'a'.repeat(25)]) {
    const result = await save(workspaceId, linear.id, cookie, { available: 'on', agentPrefix: bad })
    expect(statusOf(result), bad).toBe(400)
    expect(errorsOf(result).agentPrefix?.[0], bad).toMatch(/lower-case letters|at most 24/i)
  }

  // Set by an admin on another server…
  const taken = await save(workspaceId, linear.id, cookie, { available: 'on', agentPrefix: 'gh' })
  expect(statusOf(taken)).toBe(400)
  expect(errorsOf(taken).agentPrefix).toEqual(['GitHub already uses the prefix “gh”. Choose another one.'])
  // …or derived from another server's name: taking it would rename that server's tools for every agent.
  await save(workspaceId, github.id, cookie, { available: 'on', agentPrefix: '' })
  const derived = await save(workspaceId, linear.id, cookie, { available: 'on', agentPrefix: 'github' })
  expect(errorsOf(derived).agentPrefix).toEqual(['GitHub already uses the prefix “github”. Choose another one.'])
  expect(await getDb().mcpServer.findUniqueOrThrow({ where: { id: linear.id }, select: { agentPrefix: true } })).toEqual({ agentPrefix: null })

  // Its own derived prefix, written out, is fine.
  expect(statusOf(await save(workspaceId, linear.id, cookie, { available: 'on', agentPrefix: 'linear' }))).toBe(302)
})

test('members see whether a server is offered to agents but cannot change it', async () => {
  const { workspaceId, add } = await workspace()
  const member = await createTestUser('Member')
  await addMember(workspaceId, 'owner', member.email, 'member')
  const memberCookie = await sessionCookieFor(member.id)
  const server = await add('Notion')
  expect((await serverPage(workspaceId, server.id, memberCookie)).agents.available).toBe(true)
  const refused = await save(workspaceId, server.id, memberCookie, { agentPrefix: '' })
  expect(statusOf(refused)).toBe(403)
  expect(await getDb().mcpServer.findUniqueOrThrow({ where: { id: server.id }, select: { availableToAgents: true } })).toEqual({ availableToAgents: true })
})

test('the Overview gives the workspace’s endpoint and how many servers agents are offered', async () => {
  const { cookie, workspaceId, add } = await workspace()
  const a = await add('Alpha')
  await add('Beta')
  await save(workspaceId, a.id, cookie, { agentPrefix: '' })
  const page = dataOf(await overviewLoader({ request: getRequest(`/w/${workspaceId}`, cookie), params: { workspaceId }, context: loadContext() })) as {
    agent: { endpoint: string; name: string; offered: number; total: number }
  }
  expect(page.agent).toMatchObject({ endpoint: `http://127.0.0.1:3000/mcp/${workspaceId}`, offered: 1, total: 2 })
  expect(page.agent.name).toMatch(/^[a-z0-9-]+$/)
})

test('an agent’s tool call shows the app it came through in the audit feed and the CSV; a web call shows none', async () => {
  const { owner, cookie, workspaceId, add } = await workspace()
  const server = await add('Demo')
  const full = { id: server.id, name: server.name, workspaceId }
  await recordToolCall({ server: full, userId: owner.id, toolName: 'echo', outcome: 'success', durationMs: 12, arguments: null })
  const web = await getDb().toolCall.findFirstOrThrow({ where: { workspaceId }, select: { id: true } })
  const agentCall = await getDb().toolCall.create({
    data: { workspaceId, serverId: server.id, serverName: server.name, userId: owner.id, toolName: 'search', outcome: 'success', durationMs: 30, via: 'agent', agentClientId: 'https://claude.ai/code.json', agentClientName: 'Claude Code' },
    select: { id: true },
  })

  const feed = dataOf(await auditLoader({ request: getRequest(`/w/${workspaceId}/audit?kind=tool_call`, cookie), params: { workspaceId }, context: loadContext() })) as {
    entries: Array<{ id: string; app: string | null }>
  }
  expect(feed.entries.find((e) => e.id === agentCall.id)?.app).toBe('Claude Code')
  expect(feed.entries.find((e) => e.id === web.id)?.app).toBeNull()

  const csv = (await csvLoader({ request: getRequest(`/w/${workspaceId}/audit.csv?kind=tool_call`, cookie), params: { workspaceId }, context: loadContext() })) as Response
  const lines = (await csv.text()).trim().split('\r\n')
  expect(lines[0]).toMatch(/,"app"$/)
  expect(lines.find((line) => line.includes('"search"'))).toMatch(/,"Claude Code"$/)
  expect(lines.find((line) => line.includes('"echo"'))).toMatch(/,""$/)
})
