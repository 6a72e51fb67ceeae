import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { requireServer } from '#app/models/server.server.ts'
import { callServerTool, listServerTools } from '#app/mcp/tools.server.ts'
import { loader as toolsLoader } from '#app/routes/w.$workspaceId.tools.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { createTestUser, getRequest, loadContext, sessionCookieFor } from '#tests/utils.ts'

let demo: DemoMcpServer
let hung: http.Server
let hungUrl: string
const hungSockets = new Set<Socket>()

beforeAll(async () => {
  demo = await startDemoMcpServer()
  // Accepts connections and never answers.
  hung = http.createServer(() => {})
  hung.on('connection', (socket) => hungSockets.add(socket))
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
  hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/mcp`
})
afterAll(async () => {
  await getSessionPool().closeAll()
  for (const socket of hungSockets) socket.destroy()
  await new Promise((resolve) => hung.close(resolve))
  await demo.close()
})

async function serverFor(workspaceId: string, url: string, timeoutMs = 5000) {
  const row = await getDb().mcpServer.create({
    data: { workspaceId, name: `s-${Math.random().toString(36).slice(2)}`, url, timeoutMs },
    select: { id: true },
  })
  return requireServer(workspaceId, row.id)
}

test('calls of one user on one server reuse a single initialized session; another user gets their own', async () => {
  const alice = await createTestUser('Alice')
  const bob = await createTestUser('Bob')
  const server = await serverFor(alice.workspaceId, demo.url)
  const before = demo.stats.initializeCount
  for (let i = 0; i < 3; i++) expect((await listServerTools(alice.id, server)).ok).toBe(true)
  const echoed = await callServerTool(alice.id, server, 'echo', { message: 'hi' })
  expect(echoed.ok).toBe(true)
  expect(demo.stats.initializeCount - before).toBe(1)
  expect((await listServerTools(bob.id, server)).ok).toBe(true)
  expect(demo.stats.initializeCount - before).toBe(2)
})

test('when the server forgets the session, the next call opens a new one and succeeds', async () => {
  const user = await createTestUser()
  const server = await serverFor(user.workspaceId, demo.url)
  expect((await listServerTools(user.id, server)).ok).toBe(true)
  const before = demo.stats.initializeCount
  const reinitializedBefore = getSessionPool().stats.reinitialized
  demo.dropSessions()
  const outcome = await callServerTool(user.id, server, 'add', { a: 1, b: 2 })
  expect(outcome.ok).toBe(true)
  expect(demo.stats.initializeCount - before).toBe(1)
  expect(getSessionPool().stats.reinitialized - reinitializedBefore).toBe(1)
})

test('a changed configuration version never reuses the old session', async () => {
  const user = await createTestUser()
  const server = await serverFor(user.workspaceId, demo.url)
  expect((await listServerTools(user.id, server)).ok).toBe(true)
  const before = demo.stats.initializeCount
  await getDb().mcpServer.update({ where: { id: server.id }, data: { configVersion: { increment: 1 } } })
  expect((await listServerTools(user.id, await requireServer(user.workspaceId, server.id))).ok).toBe(true)
  expect(demo.stats.initializeCount - before).toBe(1)
})

test('a hung server shows its own timeout row and does not hold the Tools page beyond its timeout', async () => {
  const user = await createTestUser()
  await serverFor(user.workspaceId, demo.url)
  await serverFor(user.workspaceId, hungUrl, 1000)
  const cookie = await sessionCookieFor(user.id)
  const started = Date.now()
  const page = await toolsLoader({
    request: getRequest(`/w/${user.workspaceId}/tools`, cookie),
    params: { workspaceId: user.workspaceId },
    context: loadContext(),
  })
  const elapsed = Date.now() - started
  const healthy = page.sections.find((s) => s.failure === null)
  const stuck = page.sections.find((s) => s.failure !== null)
  expect(healthy?.tools.map((t) => t.name)).toContain('echo')
  expect(stuck?.failure?.kind).toBe('timeout')
  expect(stuck?.failure?.message).toMatch(/did not answer in time/)
  // Bounded by the hung server's 1 s timeout (plus set-up), far below the 30 s fetch default.
  expect(elapsed).toBeLessThan(5_000)
})

test('the pool keeps at most its cap of sessions, closing the least recently used at the server', async () => {
  const { McpSessionPool } = await import('#app/mcp/transport/sessions.server.ts')
  const pool = new McpSessionPool({ maxSessions: 2 })
  const endpoint = { url: demo.url, transport: 'streamable-http' as const, headers: {}, timeoutMs: 5000 }
  const list = (userId: string) =>
    pool.use({ userId, serverId: 's', configVersion: 1, credentialVersion: '1' }, endpoint, (client) => client.listTools())
  const openBefore = demo.stats.sessionsOpen
  await list('u1')
  await list('u2')
  await list('u1') // u1 is now the most recently used
  await list('u3') // evicts u2
  expect(pool.size).toBe(2)
  await expect.poll(() => demo.stats.sessionsOpen - openBefore).toBe(2)
  const initializedBefore = demo.stats.initializeCount
  await list('u1') // still pooled
  expect(demo.stats.initializeCount).toBe(initializedBefore)
  await list('u2') // was evicted: a new session
  expect(demo.stats.initializeCount).toBe(initializedBefore + 1)
  await pool.closeAll()
  await expect.poll(() => demo.stats.sessionsOpen - openBefore).toBe(0)
})

test('a session idle for longer than the idle timeout is not reused', async () => {
  const { McpSessionPool } = await import('#app/mcp/transport/sessions.server.ts')
  // A clock of the test's own: a slow machine cannot make the session look idle, or not idle, by accident.
  let clock = 1_000_000
  const pool = new McpSessionPool({ idleTimeoutMs: 200, now: () => clock })
  const endpoint = { url: demo.url, transport: 'streamable-http' as const, headers: {}, timeoutMs: 5000 }
  const key = { userId: 'idle', serverId: 's', configVersion: 1, credentialVersion: '1' }
  await pool.use(key, endpoint, (client) => client.listTools())
  const before = demo.stats.initializeCount
  await pool.use(key, endpoint, (client) => client.listTools())
  expect(demo.stats.initializeCount).toBe(before)
  clock += 199
  await pool.use(key, endpoint, (client) => client.listTools())
  expect(demo.stats.initializeCount).toBe(before)
  clock += 200
  await pool.use(key, endpoint, (client) => client.listTools())
  expect(demo.stats.initializeCount).toBe(before + 1)
  await pool.closeAll()
})

test('a token rotation retires only the sessions of its own server, and closing a server ends only its sessions', async () => {
  const { McpSessionPool } = await import('#app/mcp/transport/sessions.server.ts')
  const pool = new McpSessionPool()
  const endpoint = { url: demo.url, transport: 'streamable-http' as const, headers: {}, timeoutMs: 5000 }
  const onA = { userId: 'u', serverId: 'a', configVersion: 1, credentialVersion: '1' }
  const onB = { userId: 'u', serverId: 'b', configVersion: 1, credentialVersion: '1' }
  await pool.use(onA, endpoint, (client) => client.listTools())
  await pool.use(onB, endpoint, (client) => client.listTools())
  expect(pool.size).toBe(2)
  // The match sees server a's sessions only: "every session" of a is not every session.
  pool.retireSessions('a', () => true)
  expect(pool.size).toBe(1)
  const before = demo.stats.initializeCount
  await pool.use(onB, endpoint, (client) => client.listTools())
  expect(demo.stats.initializeCount).toBe(before)
  await pool.use(onA, endpoint, (client) => client.listTools())
  expect(demo.stats.initializeCount).toBe(before + 1)
  await pool.closeServer('b')
  expect(pool.size).toBe(1)
  await pool.closeServer('a')
  expect(pool.size).toBe(0)
  await pool.closeAll()
})
