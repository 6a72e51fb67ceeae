import { afterAll, beforeAll, expect, test } from 'vitest'
import { listedTools, mayCallTool } from '#app/mcp/tool-policy.server.ts'
import { callServerTool, listServerTools } from '#app/mcp/tools.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { action as policyAction, loader as policyLoader } from '#app/routes/w.$workspaceId.servers.$serverId.tool-policy/route.tsx'
import { action as toolAction, loader as toolLoader } from '#app/routes/w.$workspaceId.servers.$serverId.tools.$toolName.tsx'
import { loader as toolsLoader } from '#app/routes/w.$workspaceId.tools.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { BASE_URL, type TestUser, createTestUser, dataOf, flashOf, getRequest, loadContext, sessionCookieFor, settle, statusOf } from '#tests/utils.ts'

// Per-tool policy (issue 11, point 16): an owner or admin turns tools off or asks for confirmation;
// members see and call only what is on, and confirm what asks for it. On the demo MCP server.

let demo: DemoMcpServer
beforeAll(async () => {
  demo = await startDemoMcpServer()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await demo.close()
})

/** An owner with a demo server, and a member of the same workspace; both signed in. */
async function setUp() {
  const owner = await createTestUser('Owner')
  const member = await createTestUser('Member')
  await addMember(owner.workspaceId, 'owner', member.email, 'member')
  const row = await getDb().mcpServer.create({
    data: { workspaceId: owner.workspaceId, name: `demo-${Math.random().toString(36).slice(2, 8)}`, url: demo.url, timeoutMs: 10_000 },
    select: { id: true },
  })
  const server = await requireServer(owner.workspaceId, row.id)
  return { owner, member, server, ownerCookie: await sessionCookieFor(owner.id), memberCookie: await sessionCookieFor(member.id) }
}

/** The policy form as a browser posts it: every tool listed, the ticked ones named again. */
function policyRequest(user: TestUser, serverId: string, cookie: string, form: { tools: string[]; enabled: string[]; confirm?: string[] }) {
  const body = new URLSearchParams([['intent', 'save-tool-policy']])
  for (const name of form.tools) body.append('tools', name)
  for (const name of form.enabled) body.append('enabled', name)
  for (const name of form.confirm ?? []) body.append('confirm', name)
  return new Request(new URL(`/w/${user.workspaceId}/servers/${serverId}/tool-policy`, BASE_URL), {
    method: 'POST',
    headers: { Origin: BASE_URL, Cookie: cookie },
    body,
  })
}

function toolRequest(user: TestUser, serverId: string, tool: string, cookie: string, fields: Array<[string, string]> = []) {
  const path = `/w/${user.workspaceId}/servers/${serverId}/tools/${tool}`
  return new Request(new URL(path, BASE_URL), {
    method: 'POST',
    headers: { Origin: BASE_URL, Cookie: cookie },
    body: new URLSearchParams([['intent', 'run-tool'], ...fields]),
  })
}

async function allToolNames(userId: string, server: Awaited<ReturnType<typeof requireServer>>) {
  const listing = await listServerTools(userId, server)
  if (!listing.ok) throw new Error(listing.failure.message)
  return listing.value.map((tool) => tool.name)
}

test('an owner turns a tool off: it leaves the Tools page, its page and a direct POST are refused, and the change is audited', async () => {
  const { owner, member, server, ownerCookie, memberCookie } = await setUp()
  const names = await allToolNames(owner.id, server)
  expect(names).toContain('echo')
  const params = { workspaceId: owner.workspaceId, serverId: server.id }

  const page = await policyLoader({ request: getRequest(`/w/${owner.workspaceId}/servers/${server.id}/tool-policy`, ownerCookie), params, context: loadContext() })
  const echoRow = page.tools.find((tool) => tool.name === 'echo')
  expect(echoRow).toMatchObject({ enabled: true, needsConfirmation: false })
  expect(echoRow?.badges.map((badge) => badge.label)).toEqual(['Read-only', 'Idempotent'])

  const saved = await policyAction({
    request: policyRequest(owner, server.id, ownerCookie, { tools: names, enabled: names.filter((name) => name !== 'echo') }),
    params,
    context: loadContext(),
  })
  expect(statusOf(saved)).toBe(302)
  expect(await flashOf(saved)).toMatchObject({ kind: 'success', message: expect.stringContaining('1 tool changed') })
  const audit = await getDb().auditEvent.findMany({ where: { workspaceId: owner.workspaceId, event: 'tools.policy_changed' }, select: { detail: true, actorId: true, serverId: true } })
  expect(audit).toEqual([{ detail: 'Turned off: echo.', actorId: owner.id, serverId: server.id }])

  // The member's Tools page no longer lists it; the others stay.
  const tools = await toolsLoader({ request: getRequest(`/w/${owner.workspaceId}/tools`, memberCookie), params, context: loadContext() })
  const listed = tools.sections.find((section) => section.server.id === server.id)?.tools.map((tool) => tool.name)
  expect(listed).not.toContain('echo')
  expect(listed).toContain('add')

  // The tool page and a direct POST are refused with the sentence; nothing reaches the server.
  const toolParams = { ...params, toolName: 'echo' }
  const opened = await settle(() => toolLoader({ request: getRequest(`/w/${owner.workspaceId}/servers/${server.id}/tools/echo`, memberCookie), params: toolParams, context: loadContext() }))
  expect(statusOf(opened)).toBe(403)
  const callsBefore = demo.stats.toolCalls
  const posted = await settle(() => toolAction({ request: toolRequest(member, server.id, 'echo', memberCookie, [['arg.message', 'hi']]), params: toolParams, context: loadContext() }))
  expect(statusOf(posted)).toBe(403)
  expect(posted instanceof Response ? await posted.text() : '').toContain('has turned off the tool “echo”')
  // Every caller of the use case is refused too (the workspace endpoint of issue 13 will be one).
  // Each request reads the server's row afresh (its toolPolicyVersion says which rules apply).
  const called = await callServerTool(member.id, await requireServer(owner.workspaceId, server.id), 'echo', { message: 'hi' })
  expect(called).toMatchObject({ ok: false, failure: { kind: 'disabled', action: 'none' } })
  expect(demo.stats.toolCalls).toBe(callsBefore)
  expect(await mayCallTool(member.id, await requireServer(owner.workspaceId, server.id), 'echo')).toMatchObject({ ok: false })
  expect((await listedTools(member.id, server, names.map((name) => ({ name })))).map((tool) => tool.name)).not.toContain('echo')

  // Turned on again, it is back; saving the same settings changes nothing and records nothing.
  await policyAction({ request: policyRequest(owner, server.id, ownerCookie, { tools: names, enabled: names }), params, context: loadContext() })
  expect(await mayCallTool(member.id, await requireServer(owner.workspaceId, server.id), 'echo')).toEqual({ ok: true, needsConfirmation: false })
  const again = await policyAction({ request: policyRequest(owner, server.id, ownerCookie, { tools: names, enabled: names }), params, context: loadContext() })
  expect(await flashOf(again)).toMatchObject({ message: 'Nothing changed.' })
  expect(await getDb().auditEvent.count({ where: { workspaceId: owner.workspaceId, event: 'tools.policy_changed' } })).toBe(2)
  // A rule back at the default is not kept.
  expect(await getDb().toolPolicy.count({ where: { serverId: server.id } })).toBe(0)
})

test('a tool that asks to confirm runs only with the box ticked, with JavaScript or without', async () => {
  const { owner, member, server, ownerCookie, memberCookie } = await setUp()
  const names = await allToolNames(owner.id, server)
  const params = { workspaceId: owner.workspaceId, serverId: server.id }
  await policyAction({ request: policyRequest(owner, server.id, ownerCookie, { tools: names, enabled: names, confirm: ['add'] }), params, context: loadContext() })

  const toolParams = { ...params, toolName: 'add' }
  const page = await toolLoader({ request: getRequest(`/w/${owner.workspaceId}/servers/${server.id}/tools/add`, memberCookie), params: toolParams, context: loadContext() })
  expect(page.tool?.needsConfirmation).toBe(true)

  const callsBefore = demo.stats.toolCalls
  const unconfirmed = await toolAction({ request: toolRequest(member, server.id, 'add', memberCookie, [['arg.a', '2'], ['arg.b', '3']]), params: toolParams, context: loadContext() })
  expect(statusOf(unconfirmed)).toBe(400)
  expect(dataOf(unconfirmed)).toMatchObject({ kind: 'invalid', errors: { formErrors: [expect.stringContaining('Yes, run this tool')] } })
  // What was typed stays in the form.
  expect(dataOf(unconfirmed)).toMatchObject({ values: { 'arg.a': '2', 'arg.b': '3' } })
  expect(demo.stats.toolCalls).toBe(callsBefore)

  const confirmed = await toolAction({
    request: toolRequest(member, server.id, 'add', memberCookie, [['arg.a', '2'], ['arg.b', '3'], ['confirm-run', 'on']]),
    params: toolParams,
    context: loadContext(),
  })
  expect(statusOf(confirmed)).toBe(200)
  expect(dataOf(confirmed)).toMatchObject({ kind: 'result' })
  expect(demo.stats.toolCalls).toBe(callsBefore + 1)

  // The Tools page says so, and other tools run without a box.
  const tools = await toolsLoader({ request: getRequest(`/w/${owner.workspaceId}/tools`, memberCookie), params, context: loadContext() })
  const rows = tools.sections.find((section) => section.server.id === server.id)?.tools ?? []
  expect(rows.find((tool) => tool.name === 'add')?.needsConfirmation).toBe(true)
  expect(rows.find((tool) => tool.name === 'echo')?.needsConfirmation).toBe(false)
})

test('only owners and admins see or change the tool policy', async () => {
  const { owner, member, server, memberCookie } = await setUp()
  const params = { workspaceId: owner.workspaceId, serverId: server.id }
  const page = await settle(() => policyLoader({ request: getRequest(`/w/${owner.workspaceId}/servers/${server.id}/tool-policy`, memberCookie), params, context: loadContext() }))
  expect(statusOf(page)).toBe(403)
  const posted = await settle(() => policyAction({ request: policyRequest(member, server.id, memberCookie, { tools: ['echo'], enabled: [] }), params, context: loadContext() }))
  expect(statusOf(posted)).toBe(403)
  expect(await getDb().toolPolicy.count({ where: { serverId: server.id } })).toBe(0)
  // Someone outside the workspace learns nothing: 404.
  const stranger = await createTestUser('Stranger')
  const strangerCookie = await sessionCookieFor(stranger.id)
  const outside = await settle(() => policyLoader({ request: getRequest(`/w/${owner.workspaceId}/servers/${server.id}/tool-policy`, strangerCookie), params, context: loadContext() }))
  expect(statusOf(outside)).toBe(404)
  // The Tools page offers the link to admins only.
  const tools = await toolsLoader({ request: getRequest(`/w/${owner.workspaceId}/tools`, memberCookie), params, context: loadContext() })
  expect(tools.canManage).toBe(false)
})

test('a stale or tampered policy form is answered with a sentence, and nothing is saved', async () => {
  const { owner, server, ownerCookie } = await setUp()
  const params = { workspaceId: owner.workspaceId, serverId: server.id }
  const posted = await policyAction({ request: policyRequest(owner, server.id, ownerCookie, { tools: ['echo'], enabled: ['echo', 'rm_rf'] }), params, context: loadContext() })
  expect(statusOf(posted)).toBe(400)
  expect(JSON.stringify(dataOf(posted))).toContain('The form changed while it was open')
  expect(await getDb().toolPolicy.count({ where: { serverId: server.id } })).toBe(0)
})

test('searching the Tools page matches name, title and description, every word', async () => {
  const { owner, server, ownerCookie } = await setUp()
  const params = { workspaceId: owner.workspaceId }
  const search = async (q: string) => {
    const tools = await toolsLoader({ request: getRequest(`/w/${owner.workspaceId}/tools?q=${encodeURIComponent(q)}`, ownerCookie), params, context: loadContext() })
    return tools.sections.find((section) => section.server.id === server.id)?.tools.map((tool) => tool.name) ?? []
  }
  expect(await search('echo')).toEqual(['echo'])
  // By title ("Add two numbers") and by description words, case-insensitively.
  expect(await search('TWO numbers')).toEqual(['add'])
  expect(await search('ticket memory')).toEqual(['create_ticket'])
  expect(await search('no-such-tool-anywhere')).toEqual([])
  // A turned-off tool is not found either.
  const names = await allToolNames(owner.id, server)
  await policyAction({
    request: policyRequest(owner, server.id, ownerCookie, { tools: names, enabled: names.filter((name) => name !== 'echo') }),
    params: { ...params, serverId: server.id },
    context: loadContext(),
  })
  expect(await search('echo')).toEqual([])
})
