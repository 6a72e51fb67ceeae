// A person's recent runs of a tool and "Run again" (issue 11 point 19): listed for the caller only,
// and the arguments decrypted only for the person who made the call.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { addMember } from '#app/models/workspace.server.ts'
import { action as toolAction, loader as toolLoader } from '#app/routes/w.$workspaceId.servers.$serverId.tools.$toolName.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { type TestAccount, createTestAccount, dataOf, formRequest, getRequest, loadContext } from '#tests/utils.ts'

let demo: DemoMcpServer
let owner: TestAccount
let member: TestAccount
let serverId: string

beforeAll(async () => {
  demo = await startDemoMcpServer()
  owner = await createTestAccount('Historian')
  member = await createTestAccount('Colleague')
  await addMember(owner.user.workspaceId, 'owner', member.user.email, 'member')
  serverId = (await getDb().mcpServer.create({ data: { workspaceId: owner.user.workspaceId, name: 'Demo', url: demo.url, authType: 'none' } })).id
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await demo?.close()
})

const path = (query = '') => `/w/${owner.user.workspaceId}/servers/${serverId}/tools/echo${query}`
const params = () => ({ workspaceId: owner.user.workspaceId, serverId, toolName: 'echo' })

async function runEcho(account: TestAccount, message: string) {
  await toolAction({ request: formRequest(path(), { intent: 'run-tool', 'arg.message': message }, account.cookie), params: params(), context: loadContext() })
}

type Page = { history: Array<{ id: string; outcome: string; label: string; rerunnable: boolean }>; again: { id: string; values: Record<string, unknown> } | null }
async function open(account: TestAccount, query = '') {
  return dataOf(await toolLoader({ request: getRequest(path(query), account.cookie), params: params(), context: loadContext() })) as Page
}

test('each person sees their own runs, newest first; Run again fills the form with that run’s arguments', async () => {
  await runEcho(owner, 'first message')
  await runEcho(owner, 'second message')
  await runEcho(member, 'the colleague’s secret')

  const page = await open(owner)
  expect(page.history.map((entry) => [entry.outcome, entry.label, entry.rerunnable])).toEqual([
    ['success', 'Succeeded', true],
    ['success', 'Succeeded', true],
  ])
  const [latest, earlier] = page.history
  expect((await open(owner, `?again=${earlier?.id}`)).again).toEqual({ id: earlier?.id, values: expect.objectContaining({ 'arg.message': 'first message' }) })
  expect((await open(owner, `?again=${latest?.id}`)).again?.values).toMatchObject({ 'arg.message': 'second message' })

  // The colleague's run is theirs: not listed for the owner, and its id fills nothing for them.
  const theirs = (await open(member)).history
  expect(theirs).toHaveLength(1)
  expect((await open(owner, `?again=${theirs[0]?.id}`)).again).toBeNull()
  expect(JSON.stringify(await open(owner))).not.toContain('secret')
})

test('the arguments are stored encrypted', async () => {
  await runEcho(owner, 'plain words never stored')
  const rows = await getDb().toolCall.findMany({ where: { userId: owner.user.id }, select: { arguments: true } })
  expect(rows.length).toBeGreaterThan(0)
  for (const row of rows) expect(row.arguments ?? '').not.toContain('plain words')
})
