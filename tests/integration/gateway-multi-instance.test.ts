import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { getDb } from '#app/utils/db.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { type Balancer, startBalancer } from '#tests/multi-instance/balancer.ts'
import { startPassthroughPeer } from '#tests/servers/passthrough-peer.ts'
import { type AppInstance, startAppInstance } from '#tests/multi-instance/instances.ts'
import { AgentOAuthClient } from '#tests/support/agent-oauth.ts'
import { type TestUser, createTestUser, sessionCookieFor } from '#tests/utils.ts'

// The workspace endpoint on two Switchboard instances (separate processes, one database) behind a balancer without
// sticky sessions (issue 13, point 5): an agent authorizes through one instance and uses its token on the other,
// its calls are served by both, a refresh on one serves the other, a 2025 session minted on one is known to the
// other, and a 2025 agent's answer to a question a call on one asked — or its cancellation of a call on one —
// reaches that call through the other. Nothing the agent needs is kept in one instance's memory.

let balancer: Balancer
let instances: AppInstance[] = []
let upstream: DemoMcpServer
let user: TestUser
let cookie: string

beforeAll(async () => {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) throw new Error('DATABASE_URL is not set (tests/setup creates the worker database)')
  ;[balancer, upstream] = await Promise.all([startBalancer(), startDemoMcpServer()])
  // Both instances believe they live at the balancer's origin: one PUBLIC_URL, one issuer, one resource.
  const env = { DATABASE_URL: databaseUrl, PUBLIC_URL: balancer.origin }
  instances = await Promise.all([startAppInstance('A', env), startAppInstance('B', env)])
  const origins = await Promise.all(
    instances.map(async (instance) => {
      const reply = await instance.send({ type: 'serve-gateway' })
      if (reply.type !== 'listening') throw new Error(`the instance answered ${reply.type}`)
      return reply.origin
    }),
  )
  balancer.setTargets(origins)
  user = await createTestUser('Two instances')
  cookie = await sessionCookieFor(user.id)
  await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Demo', url: upstream.url, timeoutMs: 10_000 } })
})
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()))
  await Promise.all([balancer?.close(), upstream?.close()])
})

const endpoint = () => new URL(`/mcp/${user.workspaceId}`, balancer.origin)
const A = 0
const B = 1

/** Runs `fn` with every request of it sent to one instance. */
async function on<T>(instance: number, fn: () => Promise<T>): Promise<T> {
  balancer.pin(instance)
  try {
    return await fn()
  } finally {
    balancer.pin(null)
  }
}

/** An agent authorized on instance A (registration, consent and the token request all served by A). */
async function authorizeOnA(url: URL = endpoint()): Promise<AgentOAuthClient> {
  const agent = new AgentOAuthClient({ clientName: 'Two-instance agent' })
  await on(A, async () => {
    const transport = new StreamableHTTPClientTransport(url, { authProvider: agent })
    const client = new Client({ name: 'agent', version: '1' })
    await expect(client.connect(transport)).rejects.toThrow(/unauthorized/i)
    const landed = await instances[A]?.send({ type: 'consent', authorizationUrl: agent.requireAuthorizationUrl().href, cookie, intent: 'allow' })
    if (landed?.type !== 'step') throw new Error('no consent step')
    const callback = new URL(landed.location)
    expect(callback.searchParams.get('iss')).toBe(new URL(balancer.origin).href.replace(/\/$/, ''))
    await transport.finishAuth(callback.searchParams)
  })
  return agent
}

test('authorized on one instance, the token works on the other, and calls are served by both', async () => {
  const agent = await authorizeOnA()
  const served = balancer.served.length
  const client = new Client({ name: 'agent', version: '1' })
  await on(B, () => client.connect(new StreamableHTTPClientTransport(endpoint(), { authProvider: agent })))
  const tools = await on(B, () => client.listTools())
  expect(tools.tools.map((tool) => tool.name)).toContain('demo_echo')
  const texts: string[] = []
  for (let index = 0; index < 6; index++) {
    const result = await client.callTool({ name: 'demo_echo', arguments: { message: `round ${index}` } })
    texts.push(JSON.stringify(result.content))
  }
  expect(texts.every((text, index) => text.includes(`round ${index}`))).toBe(true)
  const targets = new Set(balancer.served.slice(served).map((entry) => entry.target))
  expect(targets).toEqual(new Set([A, B]))
  await client.close()
})

test('a token refreshed on one instance serves on the other; the old refresh token is dead on both', async () => {
  const agent = await authorizeOnA()
  const first = agent.requireTokens()
  const refresh = (instance: number, refreshToken: string) =>
    on(instance, () =>
      fetch(new URL('/as/token', balancer.origin), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: String(agent.clientInformation()?.client_id),
        }),
      }),
    )
  const rotated = await refresh(A, first.refresh_token ?? '')
  expect(rotated.status).toBe(200)
  const tokens = (await rotated.json()) as { access_token: string; refresh_token: string }
  expect(tokens.refresh_token).not.toBe(first.refresh_token)
  const client = new Client({ name: 'agent', version: '1' })
  await on(B, () =>
    client.connect(new StreamableHTTPClientTransport(endpoint(), { requestInit: { headers: { Authorization: `Bearer ${tokens.access_token}` } } })),
  )
  expect((await on(B, () => client.listTools())).tools.length).toBeGreaterThan(0)
  await client.close()
  // Replaying the rotated-out refresh token on the other instance is reuse: refused, and the family is revoked.
  const replayed = await refresh(B, first.refresh_token ?? '')
  expect(replayed.status).toBe(400)
  const after = await on(A, () =>
    fetch(endpoint(), {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.access_token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    }),
  )
  expect(after.status).toBe(401)
})

test('a 2025 session minted on one instance is known to the other', async () => {
  const agent = await authorizeOnA()
  const headers = { Authorization: `Bearer ${agent.requireTokens().access_token}` }
  const transport = new V1Transport(endpoint(), { requestInit: { headers } })
  const client = new V1Client({ name: 'legacy agent', version: '1' })
  await on(A, () => client.connect(transport))
  expect(transport.sessionId).toBeTruthy()
  const tools = await on(B, () => client.listTools())
  expect(tools.tools.map((tool) => tool.name)).toContain('demo_echo')
  const result = await on(B, () => client.callTool({ name: 'demo_echo', arguments: { message: 'from B' } }))
  expect(JSON.stringify(result.content)).toContain('from B')
  await on(B, () => transport.terminateSession())
  await client.close()
})

test('2025: the answer to a question asked by a call on one instance reaches it through the other', async () => {
  const peer = await startPassthroughPeer()
  try {
    const server = await getDb().mcpServer.create({
      data: { workspaceId: user.workspaceId, name: 'Asking peer', url: peer.url, timeoutMs: 5_000, availableToAgents: true },
      select: { id: true },
    })
    const url = new URL(`/mcp/${user.workspaceId}/${server.id}`, balancer.origin)
    const agent = await authorizeOnA(url)
    const transport = new V1Transport(url, { requestInit: { headers: { Authorization: `Bearer ${agent.requireTokens().access_token}` } } })
    const client = new V1Client({ name: 'legacy agent', version: '1' }, { capabilities: { elicitation: {} } })
    client.setRequestHandler(ElicitRequestSchema, async () => {
      // The call waits on A; its answer goes to B.
      balancer.pin(B)
      return { action: 'accept', content: { name: 'Ada' } }
    })
    await on(A, () => client.connect(transport))
    const served = balancer.served.length
    balancer.pin(A)
    const result = await client.callTool({ name: 'ask', arguments: {} }).finally(() => balancer.pin(null))
    expect(JSON.stringify(result.content)).toContain('Hello, Ada (peer-state-1)')
    expect(balancer.served.slice(served).filter((entry) => entry.method === 'POST').map((entry) => entry.target)).toEqual([A, B])
    expect(await getDb().agentQuestion.count()).toBe(0)
    await client.close()
  } finally {
    await peer.close()
  }
})

test('2025: a cancellation sent through one instance ends the call running on the other', async () => {
  const agent = await authorizeOnA()
  const transport = new V1Transport(endpoint(), { requestInit: { headers: { Authorization: `Bearer ${agent.requireTokens().access_token}` } } })
  const client = new V1Client({ name: 'legacy agent', version: '1' })
  await on(A, () => client.connect(transport))
  const before = { calls: upstream.stats.toolCalls, cancelled: upstream.stats.toolCallsCancelled }
  const controller = new AbortController()
  balancer.pin(A)
  const call = client.callTool({ name: 'demo_slow', arguments: { ms: 20_000 } }, undefined, { signal: controller.signal }).catch(() => 'aborted')
  await expect.poll(() => upstream.stats.toolCalls, { timeout: 10_000 }).toBe(before.calls + 1)
  // The notification goes to B; the call runs on A.
  balancer.pin(B)
  const served = balancer.served.length
  controller.abort()
  expect(await call).toBe('aborted')
  await expect.poll(() => balancer.served.length).toBeGreaterThan(served)
  balancer.pin(null)
  expect(balancer.served.slice(served).map((entry) => [entry.method, entry.target])).toContainEqual(['POST', B])
  await expect.poll(() => upstream.stats.toolCallsCancelled, { timeout: 8_000 }).toBe(before.cancelled + 1)
  // Cancelled by the agent, well before the server's 10 s timeout (which would cancel upstream too).
  await expect
    .poll(async () => (await getDb().toolCall.findFirst({ where: { userId: user.id, toolName: 'slow' }, orderBy: { createdAt: 'desc' }, select: { outcome: true } }))?.outcome)
    .toBe('cancelled')
  expect(await getDb().agentCancel.count()).toBe(0)
  await client.close()
})
