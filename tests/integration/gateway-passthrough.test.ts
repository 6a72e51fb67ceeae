// The per-server endpoint /mcp/<workspace>/<server> (issue 13 point 1, second half): one upstream server passed
// through unchanged, with a v2 client on 2026-07-28 and a v1 client on 2025-11-25, against a real upstream peer
// (tests/servers/passthrough-peer.ts) on the person's own connection.
import { Client, type ElicitResult, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { saveToolRules } from '#app/models/tool-policy.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { type GatewayServer, createAgentGrant, startEndpointServer } from '#tests/support/gateway-server.ts'
import { type PassthroughPeer, startPassthroughPeer } from '#tests/servers/passthrough-peer.ts'
import { startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { connectThroughRoutes } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { type TestAccount, createTestAccount } from '#tests/utils.ts'

let peer: PassthroughPeer
let oauthPeer: SdkAuthServer
let account: TestAccount
let serverId: string
let caller: AgentCaller
let endpoint: GatewayServer
const opened: Array<{ close(): Promise<void> }> = []

async function addServer(name: string, url: string, options: { authType?: 'none' | 'oauth'; availableToAgents?: boolean; timeoutMs?: number } = {}) {
  const row = await getDb().mcpServer.create({
    data: {
      workspaceId: account.user.workspaceId,
      name,
      url,
      authType: options.authType ?? 'none',
      authTypeLocked: true,
      availableToAgents: options.availableToAgents ?? true,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    },
    select: { id: true },
  })
  return row.id
}

async function endpointFor(id: string, clientName = 'Test agent') {
  const grantee = await createAgentGrant(account.user, { target: { workspaceId: account.user.workspaceId, serverId: id }, clientName })
  const started = await startEndpointServer(grantee)
  opened.push(started)
  return { caller: grantee, endpoint: started, url: new URL(`/mcp/${account.user.workspaceId}/${id}`, started.publicOrigin) }
}

/** A v2 agent speaking 2026-07-28 that declares form elicitation and answers it with `answer`. */
async function v2Agent(server: GatewayServer, url: URL, answer: (message: string) => ElicitResult = () => ({ action: 'decline' })) {
  const client = new Client({ name: 'v2-agent', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'auto' } })
  client.setRequestHandler('elicitation/create', async (request) => answer(String(request.params.message)))
  await client.connect(new StreamableHTTPClientTransport(url, { fetch: server.fetch }))
  opened.push(client)
  return client
}

/** A v1 agent speaking 2025-11-25; `setUp` registers its handlers before it connects. */
async function v1Agent(server: GatewayServer, url: URL, capabilities: Record<string, unknown> = {}, setUp: (client: V1Client) => void = () => {}) {
  const client = new V1Client({ name: 'v1-agent', version: '1.0.0' }, { capabilities })
  setUp(client)
  await client.connect(new V1Transport(url, { fetch: server.fetch }))
  opened.push(client)
  return client
}

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? []
  return content.map((block) => block.text ?? '').join('')
}

beforeAll(async () => {
  ;[peer, oauthPeer] = await Promise.all([startPassthroughPeer(), startSdkAuthServer()])
  account = await createTestAccount('Agent owner')
  serverId = await addServer('Peer', peer.url)
  ;({ caller, endpoint } = await endpointFor(serverId, 'Claude Code'))
})
afterAll(async () => {
  await Promise.all(opened.map((item) => item.close().catch(() => {})))
  await getSessionPool().closeAll()
  await Promise.all([peer?.close(), oauthPeer?.close()])
})

const url = () => new URL(`/mcp/${account.user.workspaceId}/${serverId}`, endpoint.publicOrigin)

test('a 2026 agent sees the server unchanged: unprefixed tools, resources, templates, prompts, completions', async () => {
  const client = await v2Agent(endpoint, url())
  expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28')
  expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {}, completions: {} })

  const tools = await client.listTools()
  expect(tools.tools.map((tool) => tool.name).sort()).toEqual(['ask', 'chatty', 'count', 'echo', 'secret', 'summarize', 'visit', 'wait', 'where'])
  expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hi there' } }))).toBe('hi there')

  const resources = await client.listResources()
  expect(resources.resources.map((resource) => resource.uri)).toEqual(['peer://readme'])
  const templates = await client.listResourceTemplates()
  expect(templates.resourceTemplates.map((template) => template.uriTemplate)).toEqual(['peer://notes/{id}'])
  const read = await client.readResource({ uri: 'peer://notes/beta' })
  expect(read.contents[0]).toMatchObject({ uri: 'peer://notes/beta', text: 'Note beta' })

  const prompts = await client.listPrompts()
  expect(prompts.prompts.map((prompt) => prompt.name)).toEqual(['review'])
  const prompt = await client.getPrompt({ name: 'review', arguments: { language: 'rust' } })
  expect(prompt.messages[0]?.content).toMatchObject({ type: 'text', text: 'Please review this rust code.' })

  const languages = await client.complete({ ref: { type: 'ref/prompt', name: 'review' }, argument: { name: 'language', value: 'ty' } })
  expect(languages.completion.values).toEqual(['typescript'])
  const ids = await client.complete({ ref: { type: 'ref/resource', uri: 'peer://notes/{id}' }, argument: { name: 'id', value: 'g' } })
  expect(ids.completion.values).toEqual(['gamma'])
})

test('a 2025 agent sees the same, on 2025-11-25', async () => {
  const client = await v1Agent(endpoint, url())
  expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {}, completions: {} })
  const tools = await client.listTools()
  expect(tools.tools.map((tool) => tool.name)).toContain('echo')
  expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'old' } }))).toBe('old')
  expect((await client.readResource({ uri: 'peer://readme' })).contents[0]).toMatchObject({ text: 'Hello from the pass-through peer.' })
  expect((await client.listResourceTemplates()).resourceTemplates).toHaveLength(1)
  const prompt = await client.getPrompt({ name: 'review', arguments: { language: 'go' } })
  expect(prompt.messages[0]?.content).toMatchObject({ text: 'Please review this go code.' })
  const completed = await client.complete({ ref: { type: 'ref/prompt', name: 'review' }, argument: { name: 'language', value: 'py' } })
  expect(completed.completion.values).toEqual(['python'])
})

test('the endpoint declares only what the upstream offers', async () => {
  const toolsOnly = await startPassthroughPeer({ toolsOnly: true })
  opened.push(toolsOnly)
  const plain = await endpointFor(await addServer('Plain', toolsOnly.url))
  for (const client of [await v2Agent(plain.endpoint, plain.url), await v1Agent(plain.endpoint, plain.url)]) {
    const capabilities = client.getServerCapabilities() ?? {}
    expect(Object.keys(capabilities).filter((name) => name !== 'experimental' && name !== 'extensions')).toEqual(['tools'])
    expect(textOf(await client.callTool({ name: 'ping', arguments: {} }))).toBe('pong')
  }
})

test('a 2025 upstream passes through too: resources, prompts, progress and cancellation', async () => {
  const demo = await startDemoMcpServer()
  opened.push(demo)
  const legacyUpstream = await endpointFor(await addServer('Demo 2025', demo.url))
  const client = await v2Agent(legacyUpstream.endpoint, legacyUpstream.url)
  expect((await client.listResources()).resources.map((resource) => resource.uri)).toContain('demo://docs/readme.md')
  expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0)
  const seen: number[] = []
  const result = await client.callTool({ name: 'slow', arguments: { ms: 2_100 } }, { onprogress: (progress) => seen.push(progress.progress) })
  expect(textOf(result)).toBe('Waited 2100 ms.')
  expect(seen).toEqual([1000, 2000])

  const cancelledBefore = demo.stats.toolCallsCancelled
  const controller = new AbortController()
  const slow = client.callTool({ name: 'slow', arguments: { ms: 30_000 } }, { signal: controller.signal, onprogress: () => controller.abort() })
  await expect(slow).rejects.toThrow()
  await expect.poll(() => demo.stats.toolCallsCancelled).toBe(cancelledBefore + 1)
})

test('progress reaches the agent’s onprogress on both eras; logs reach it when asked', async () => {
  const modern = await v2Agent(endpoint, url())
  const seen: number[] = []
  const result = await modern.callTool({ name: 'count', arguments: {} }, { onprogress: (progress) => seen.push(progress.progress) })
  expect(textOf(result)).toBe('counted to 3')
  expect(seen).toEqual([1, 2, 3])

  const legacy = await v1Agent(endpoint, url())
  const legacySeen: number[] = []
  await legacy.callTool({ name: 'count', arguments: {} }, undefined, { onprogress: (progress) => legacySeen.push(progress.progress) })
  expect(legacySeen).toEqual([1, 2, 3])

  // A 2025 agent may set a level (nothing to keep on a stateless endpoint), and still gets the lines.
  await legacy.setLoggingLevel('info')
  const lines: unknown[] = []
  const { LoggingMessageNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js')
  legacy.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void lines.push(notification.params.data))
  expect(textOf(await legacy.callTool({ name: 'chatty', arguments: {} }))).toBe('logged')
  expect(lines).toEqual(['chatty says hello'])
})

test('a 2026 agent’s elicitation handler answers the upstream’s question (MRTR passed through, state signed)', async () => {
  const asked: string[] = []
  const client = await v2Agent(endpoint, url(), (message) => {
    asked.push(message)
    return { action: 'accept', content: { name: 'Ada' } }
  })
  const result = await client.callTool({ name: 'ask', arguments: {} })
  expect(asked).toEqual(['What is your name?'])
  // The upstream got the answer and its own state back, untouched by the wrapping.
  expect(textOf(result)).toBe('Hello, Ada (peer-state-1)')
  expect(peer.stats.answers.at(-1)).toEqual({ action: 'accept', name: 'Ada' })
  // The upstream was told the agent can answer a form elicitation (and nothing else of the agent's).
  expect(peer.stats.askCapabilities.at(-1)).toEqual({ elicitation: { form: {} } })
})

test('a 2026 agent gets the upstream’s log lines only when its request names a level', async () => {
  const client = await v2Agent(endpoint, url())
  const lines: unknown[] = []
  client.setNotificationHandler('notifications/message', (notification) => void lines.push(notification.params.data))
  expect(textOf(await client.callTool({ name: 'chatty', arguments: {} }))).toBe('logged')
  expect(lines).toEqual([])
  expect(textOf(await client.callTool({ name: 'chatty', arguments: {}, _meta: { [LOG_LEVEL_META_KEY]: 'info' } }))).toBe('logged')
  expect(lines).toEqual(['chatty says hello'])
})

test('a 2026 agent that declared sampling answers the upstream’s sampling request; one that did not is not asked', async () => {
  const sampler = new Client({ name: 'sampler', version: '1.0.0' }, { capabilities: { sampling: {} }, versionNegotiation: { mode: 'auto' } })
  sampler.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'a tidy peer' }, model: 'test-model' }))
  await sampler.connect(new StreamableHTTPClientTransport(url(), { fetch: endpoint.fetch }))
  opened.push(sampler)
  expect(textOf(await sampler.callTool({ name: 'summarize', arguments: {} }))).toBe('Summary: a tidy peer')

  const plain = await v2Agent(endpoint, url())
  const refused = await plain.callTool({ name: 'summarize', arguments: {} })
  expect(refused.isError).toBe(true)
  expect(textOf(refused)).toMatch(/sampling/)
})

test('a forged or foreign requestState is refused', async () => {
  const other = await endpointFor(serverId, 'Other app')
  const asking = new Client({ name: 'manual', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } }, inputRequired: { autoFulfill: false }, versionNegotiation: { mode: 'auto' } })
  await asking.connect(new StreamableHTTPClientTransport(url(), { fetch: endpoint.fetch }))
  opened.push(asking)
  const first = (await asking.callTool({ name: 'ask', arguments: {} }, { allowInputRequired: true })) as unknown as { resultType: string; requestState: string }
  expect(first.resultType).toBe('input_required')
  expect(first.requestState).not.toBe('peer-state-1')

  // The same state at another app's grant: refused before anything reaches the upstream.
  const elsewhere = new Client({ name: 'manual', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } }, inputRequired: { autoFulfill: false }, versionNegotiation: { mode: 'auto' } })
  await elsewhere.connect(new StreamableHTTPClientTransport(other.url, { fetch: other.endpoint.fetch }))
  opened.push(elsewhere)
  const answers = { who: { action: 'accept', content: { name: 'Eve' } } }
  await expect(
    elsewhere.callTool({ name: 'ask', arguments: {}, inputResponses: answers, requestState: first.requestState } as never, { allowInputRequired: true }),
  ).rejects.toThrow(/Invalid or expired requestState/)
  await expect(asking.callTool({ name: 'ask', arguments: {}, inputResponses: answers, requestState: 'peer-state-1' } as never)).rejects.toThrow(
    /Invalid or expired requestState/,
  )
  // Our own state, at the same grant, for another tool.
  await expect(asking.callTool({ name: 'echo', arguments: { message: 'x' }, inputResponses: answers, requestState: first.requestState } as never)).rejects.toThrow(
    /belongs to another tool call/,
  )
  expect(peer.stats.answers.some((answer) => answer.name === 'Eve')).toBe(false)
})

test('a 2025 agent cannot be asked: the upstream’s elicitation is answered cancel', async () => {
  const client = await v1Agent(endpoint, url())
  const result = await client.callTool({ name: 'ask', arguments: {} })
  expect(textOf(result)).toBe('No name given.')
  expect(peer.stats.answers.at(-1)).toEqual({ action: 'other', name: null })
})

test('a 2025 session that declared elicitation is asked the upstream’s question on the call’s stream, and its answer reaches the upstream', async () => {
  const asked: unknown[] = []
  const client = await v1Agent(endpoint, url(), { elicitation: {} }, (agent) =>
    agent.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params)
      return { action: 'accept', content: { name: 'Ada' } }
    }),
  )
  const result = await client.callTool({ name: 'ask', arguments: {} })
  expect(asked).toEqual([expect.objectContaining({ message: 'What is your name?', requestedSchema: expect.objectContaining({ type: 'object' }) })])
  expect(textOf(result)).toBe('Hello, Ada (peer-state-1)')
  expect(peer.stats.answers.at(-1)).toEqual({ action: 'accept', name: 'Ada' })
  // The upstream was told what the session declared at initialize.
  expect(peer.stats.askCapabilities.at(-1)).toEqual({ elicitation: {} })
  const row = await getDb().toolCall.findFirst({ where: { serverId, toolName: 'ask' }, orderBy: { createdAt: 'desc' }, select: { outcome: true } })
  expect(row?.outcome).toBe('success')
})

test('a 2025 session that declared sampling answers the upstream’s sampling request; one without it is not asked', async () => {
  const sampled: unknown[] = []
  const sampler = await v1Agent(endpoint, url(), { sampling: {} }, (agent) =>
    agent.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      sampled.push(request.params.messages)
      return { role: 'assistant', content: { type: 'text', text: 'an old but tidy peer' }, model: 'test-model' }
    }),
  )
  expect(textOf(await sampler.callTool({ name: 'summarize', arguments: {} }))).toBe('Summary: an old but tidy peer')
  expect(sampled).toEqual([[{ role: 'user', content: { type: 'text', text: 'Summarize the peer.' } }]])

  const plain = await v1Agent(endpoint, url(), { elicitation: {} })
  const refused = await plain.callTool({ name: 'summarize', arguments: {} })
  expect(refused.isError).toBe(true)
  expect(textOf(refused)).toMatch(/sampling/)
})

test('2025: a URL question goes only to a session that declared elicitation.url (with an elicitationId); roots to one that declared roots', async () => {
  const asked: unknown[] = []
  const visitor = await v1Agent(endpoint, url(), { elicitation: { form: {}, url: {} } }, (agent) =>
    agent.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params)
      return { action: 'accept' }
    }),
  )
  expect(textOf(await visitor.callTool({ name: 'visit', arguments: {} }))).toBe('Visited: accept')
  expect(asked).toEqual([{ mode: 'url', message: 'Open the peer’s page.', url: 'https://peer.example/page', elicitationId: expect.any(String) }])

  const formOnly: unknown[] = []
  const filler = await v1Agent(endpoint, url(), { elicitation: {} }, (agent) =>
    agent.setRequestHandler(ElicitRequestSchema, async (request) => {
      formOnly.push(request.params)
      return { action: 'accept' }
    }),
  )
  // The upstream was told the session has form mode only, and refuses on its own, as for a 2026 agent.
  const refused = await filler.callTool({ name: 'visit', arguments: {} })
  expect(refused.isError).toBe(true)
  expect(formOnly).toEqual([])

  const rooted = await v1Agent(endpoint, url(), { roots: {} }, (agent) =>
    agent.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work/project', name: 'project' }] })),
  )
  expect(textOf(await rooted.callTool({ name: 'where', arguments: {} }))).toBe('Roots: file:///work/project')
  const unrooted = await filler.callTool({ name: 'where', arguments: {} })
  expect(unrooted.isError).toBe(true)
})

test('2025: an answer is taken only from the asking session and only for the id asked; others are ignored with 202', async () => {
  const other = await v1Agent(endpoint, url(), { elicitation: {} })
  const otherSession = (other.transport as V1Transport).sessionId
  const foreign = await endpointFor(serverId, 'Another app')
  const forged: number[] = []
  const post = async (target: GatewayServer, at: URL, sessionId: string | undefined, message: unknown) => {
    const response = await target.fetch(at, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessionId ?? '' },
      body: JSON.stringify(message),
    })
    await response.body?.cancel()
    forged.push(response.status)
  }
  let asking: V1Client | null = null
  asking = await v1Agent(endpoint, url(), { elicitation: {} }, (agent) =>
    agent.setRequestHandler(ElicitRequestSchema, async (_request, extra) => {
      const id = extra.requestId
      const ownSession = (asking?.transport as V1Transport | undefined)?.sessionId
      // Another session of the same app answers our question; our session answers a question never asked;
      // another app presents our session id.
      await post(endpoint, url(), otherSession, { jsonrpc: '2.0', id, result: { action: 'accept', content: { name: 'Eve' } } })
      await post(endpoint, url(), ownSession, { jsonrpc: '2.0', id: 'switchboard-not-asked', result: { action: 'accept', content: { name: 'Mallory' } } })
      await post(foreign.endpoint, foreign.url, ownSession, { jsonrpc: '2.0', id, result: { action: 'accept', content: { name: 'Trent' } } })
      return { action: 'accept', content: { name: 'Ada' } }
    }),
  )
  expect(textOf(await asking.callTool({ name: 'ask', arguments: {} }))).toBe('Hello, Ada (peer-state-1)')
  expect(forged).toEqual([202, 202, 404])
  expect(peer.stats.answers.map((answer) => answer.name)).not.toContain('Eve')
  expect(peer.stats.answers.map((answer) => answer.name)).not.toContain('Mallory')
  expect(peer.stats.answers.map((answer) => answer.name)).not.toContain('Trent')
})

test('2025: a question not answered within the server’s timeout is an elicitation cancelled, and a sampling request a tool error', async () => {
  const quickId = await addServer('Quick Peer', peer.url, { timeoutMs: 1_000 })
  const quick = await endpointFor(quickId)
  const cancelledAtAgent: unknown[] = []
  const client = await v1Agent(quick.endpoint, quick.url, { elicitation: {}, sampling: {} }, (agent) => {
    const never = (signal: AbortSignal) =>
      new Promise<never>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          cancelledAtAgent.push(signal.reason)
          reject(new Error('cancelled'))
        })
      })
    agent.setRequestHandler(ElicitRequestSchema, (_request, extra) => never(extra.signal))
    agent.setRequestHandler(CreateMessageRequestSchema, (_request, extra) => never(extra.signal))
  })
  const before = peer.stats.answers.length
  expect(textOf(await client.callTool({ name: 'ask', arguments: {} }))).toBe('No name given.')
  expect(peer.stats.answers.slice(before)).toEqual([{ action: 'other', name: null }])
  const stopped = await client.callTool({ name: 'summarize', arguments: {} })
  expect(stopped.isError).toBe(true)
  expect(textOf(stopped)).toBe('Quick Peer asked this app for a sampling request, and the app did not answer within 1 s, so the call was stopped.')
  // Each unanswered question was cancelled at the agent.
  await expect.poll(() => cancelledAtAgent.length).toBe(2)
})

test('2025: the session’s notifications/cancelled ends a call that waits for the agent’s answer', async () => {
  const controller = new AbortController()
  const client = await v1Agent(endpoint, url(), { elicitation: {} }, (agent) =>
    agent.setRequestHandler(ElicitRequestSchema, async () => {
      controller.abort()
      return new Promise<never>(() => {})
    }),
  )
  const before = peer.stats.calls.filter((name) => name === 'ask').length
  await expect(client.callTool({ name: 'ask', arguments: {} }, undefined, { signal: controller.signal })).rejects.toThrow()
  await expect
    .poll(async () => (await getDb().toolCall.findFirst({ where: { serverId, toolName: 'ask' }, orderBy: { createdAt: 'desc' }, select: { outcome: true } }))?.outcome)
    .toBe('cancelled')
  // Not retried upstream with an answer.
  expect(peer.stats.calls.filter((name) => name === 'ask').length).toBe(before + 1)
})

test('an agent’s cancellation reaches the upstream call, and only that call', async () => {
  const client = await v2Agent(endpoint, url())
  const before = peer.stats.aborted
  const firstStarted = peer.stats.waitStarted
  const other = client.callTool({ name: 'wait', arguments: {} })
  await firstStarted
  const controller = new AbortController()
  const started = peer.stats.waitStarted
  const call = client.callTool({ name: 'wait', arguments: {} }, { signal: controller.signal })
  await started
  controller.abort()
  await expect(call).rejects.toThrow()
  await expect.poll(() => peer.stats.aborted).toBe(before + 1)
  await expect.poll(async () => (await getDb().toolCall.findFirst({ where: { serverId, toolName: 'wait' }, select: { outcome: true } }))?.outcome).toBe('cancelled')
  // The person's other call on the same pooled session runs on.
  peer.stats.releaseWaits()
  expect(textOf(await other)).toBe('waited')
})

test('an upstream’s error answer reaches the agent and leaves the person’s other running call alone', async () => {
  const client = await v2Agent(endpoint, url())
  const started = peer.stats.waitStarted
  const waiting = client.callTool({ name: 'wait', arguments: {} })
  await started
  await expect(client.readResource({ uri: 'peer://nope' })).rejects.toThrow(/Resource not found: peer:\/\/nope/)
  // The pooled session the running call is on stays open: the call finishes with the upstream's own answer.
  peer.stats.releaseWaits()
  expect(textOf(await waiting)).toBe('waited')
})

test('a tool an admin turned off is neither listed nor run, and the refusal is recorded', async () => {
  await saveToolRules(serverId, account.user.id, [{ toolName: 'secret', enabled: false, needsConfirmation: false }])
  try {
    for (const client of [await v2Agent(endpoint, url()), await v1Agent(endpoint, url())]) {
      const names = (await client.listTools()).tools.map((tool) => tool.name)
      expect(names).toContain('echo')
      expect(names).not.toContain('secret')
      const refused = await client.callTool({ name: 'secret', arguments: {} })
      expect(refused.isError).toBe(true)
      expect(textOf(refused)).toMatch(/turned off the tool “secret”/)
    }
    expect(peer.stats.calls).not.toContain('secret')
    const rows = await getDb().toolCall.findMany({ where: { serverId, toolName: 'secret' }, select: { outcome: true, via: true } })
    expect(rows).toEqual([
      { outcome: 'refused', via: 'agent' },
      { outcome: 'refused', via: 'agent' },
    ])
  } finally {
    await saveToolRules(serverId, account.user.id, [{ toolName: 'secret', enabled: true, needsConfirmation: false }])
  }
})

test('a server not available to agents, turned off, or not of the workspace is refused', async () => {
  const hiddenId = await addServer('Hidden', peer.url, { availableToAgents: false })
  const hidden = await endpointFor(hiddenId)
  const client = await v2Agent(hidden.endpoint, hidden.url)
  await expect(client.listTools()).rejects.toThrow(/not made Hidden available to agents/)
  await expect(client.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toThrow(/not made Hidden available to agents/)

  const foreign = await endpointFor('no-such-server')
  await expect((await v2Agent(foreign.endpoint, foreign.url)).listTools()).rejects.toThrow(/no such server/)

  await getDb().mcpServer.update({ where: { id: hiddenId }, data: { availableToAgents: true, enabled: false } })
  const legacy = await v1Agent(hidden.endpoint, hidden.url)
  await expect(legacy.listTools()).rejects.toThrow(/Hidden is turned off/)
  expect(await getDb().toolCall.count({ where: { serverId: hiddenId } })).toBe(0)
})

test('an OAuth server the person has not connected answers with Switchboard’s page for it', async () => {
  const oauthId = await addServer('Locked', peer.url, { authType: 'oauth' })
  const locked = await endpointFor(oauthId)
  const page = `http://127.0.0.1:3000/w/${account.user.workspaceId}/servers/${oauthId}`
  for (const client of [await v2Agent(locked.endpoint, locked.url), await v1Agent(locked.endpoint, locked.url)]) {
    const result = await client.callTool({ name: 'echo', arguments: { message: 'x' } })
    expect(result.isError).toBe(true)
    expect(textOf(result)).toContain(page)
    await expect(client.listTools()).rejects.toThrow(page)
    await expect(client.listResources()).rejects.toThrow(page)
  }
  const rows = await getDb().toolCall.findMany({ where: { serverId: oauthId }, select: { outcome: true, via: true, agentClientName: true } })
  expect(rows).toEqual([
    { outcome: 'reauth_required', via: 'agent', agentClientName: 'Test agent' },
    { outcome: 'reauth_required', via: 'agent', agentClientName: 'Test agent' },
  ])
})

test('2026: a call that needs an upstream sign-in asks by URL elicitation for Switchboard’s page; after Connect the retry gets the result', async () => {
  const oauthId = await addServer('Signed Peer', oauthPeer.mcpUrl, { authType: 'oauth' })
  const signed = await endpointFor(oauthId)
  const page = new URL(`/w/${account.user.workspaceId}/servers/${oauthId}?agent=1`, getEnv().PUBLIC_URL).href
  const asked: unknown[] = []
  const client = new Client({ name: 'url-agent', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: 'auto' } })
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(request.params)
    // The person follows the link: Switchboard's page, then Connect (as the browser would), then the agent accepts.
    await connectThroughRoutes({ workspaceId: account.user.workspaceId, serverId: oauthId, cookie: account.cookie })
    return { action: 'accept' }
  })
  await client.connect(new StreamableHTTPClientTransport(signed.url, { fetch: signed.endpoint.fetch }))
  opened.push(client)

  const result = await client.callTool({ name: 'echo', arguments: { message: 'after sign-in' } })
  expect(textOf(result)).toBe('after sign-in')
  expect(asked).toEqual([{ mode: 'url', url: page, message: expect.stringContaining('Sign in to Signed Peer in Switchboard') }])
  expect(JSON.stringify(asked)).not.toContain(new URL(oauthPeer.mcpUrl).origin)
  expect(await getDb().agentElicitation.findMany({ where: { serverId: oauthId }, select: { grantId: true, reason: true, completedAt: true } })).toEqual([
    { grantId: signed.caller.grantId, reason: 'connect', completedAt: expect.any(Date) },
  ])
  const rows = await getDb().toolCall.findMany({ where: { serverId: oauthId }, orderBy: { createdAt: 'asc' }, select: { outcome: true, via: true } })
  expect(rows).toEqual([
    { outcome: 'reauth_required', via: 'agent' },
    { outcome: 'success', via: 'agent' },
  ])
})

test('2025: a session that declared elicitation.url gets -32042 naming Switchboard’s page; other methods get an error naming it', async () => {
  const oauthId = await addServer('Legacy Signed', oauthPeer.mcpUrl, { authType: 'oauth' })
  const signed = await endpointFor(oauthId)
  const client = await v1Agent(signed.endpoint, signed.url, { elicitation: { url: {} } })
  const error = await client.callTool({ name: 'echo', arguments: { message: 'x' } }).then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toMatchObject({ code: -32042, data: { elicitations: [{ mode: 'url', url: new URL(`/w/${account.user.workspaceId}/servers/${oauthId}?agent=1`, getEnv().PUBLIC_URL).href }] } })
  expect(await getDb().agentElicitation.count({ where: { serverId: oauthId, sessionIdHash: { not: null } } })).toBe(1)
  await expect(client.listResources()).rejects.toThrow(`/w/${account.user.workspaceId}/servers/${oauthId}`)
})

test('a tool an admin wants confirmed: a 2026 agent with form elicitation asks its person; others are refused with a sentence', async () => {
  await saveToolRules(serverId, account.user.id, [
    { toolName: 'count', enabled: true, needsConfirmation: true },
    { toolName: 'ask', enabled: true, needsConfirmation: true },
  ])
  try {
    const answers = [true, false]
    const asked: string[] = []
    const modern = await v2Agent(endpoint, url(), (message): ElicitResult => {
      asked.push(message)
      if (message === 'What is your name?') return { action: 'accept', content: { name: 'Grace' } }
      return { action: 'accept', content: { confirm: answers.shift() ?? false } }
    })
    const countsBefore = peer.stats.calls.filter((name) => name === 'count').length
    expect(textOf(await modern.callTool({ name: 'count', arguments: {} }))).toBe('counted to 3')
    expect(asked).toEqual([expect.stringContaining('confirm each call of “count” of Peer. Run it now?')])
    const declined = await modern.callTool({ name: 'count', arguments: {} })
    expect(declined.isError).toBe(true)
    expect(textOf(declined)).toContain('was not confirmed')
    // Confirmed once, then the upstream's own question: the retry carrying the upstream's state is not asked again.
    asked.length = 0
    answers.push(true)
    expect(textOf(await modern.callTool({ name: 'ask', arguments: {} }))).toBe('Hello, Grace (peer-state-1)')
    expect(asked).toEqual([expect.stringContaining('confirm each call of “ask”'), 'What is your name?'])

    const legacy = await v1Agent(endpoint, url())
    const refused = await legacy.callTool({ name: 'count', arguments: {} })
    expect(refused.isError).toBe(true)
    expect(textOf(refused)).toContain(`cannot ask you. Run it from Switchboard instead: ${new URL(`/w/${account.user.workspaceId}/servers/${serverId}`, getEnv().PUBLIC_URL).href}`)
    // The upstream ran the confirmed call only.
    expect(peer.stats.calls.filter((name) => name === 'count').length).toBe(countsBefore + 1)
    const rows = await getDb().toolCall.findMany({ where: { serverId, toolName: 'count' }, orderBy: { createdAt: 'asc' }, select: { outcome: true } })
    expect(rows.slice(-3).map((row) => row.outcome)).toEqual(['success', 'refused', 'refused'])
  } finally {
    await saveToolRules(serverId, account.user.id, [
      { toolName: 'count', enabled: true, needsConfirmation: false },
      { toolName: 'ask', enabled: true, needsConfirmation: false },
    ])
  }
})

test('every call is recorded via "agent" with the app and without arguments', async () => {
  const rows = await getDb().toolCall.findMany({
    where: { serverId, toolName: 'echo' },
    select: { userId: true, via: true, outcome: true, arguments: true, agentClientId: true, agentClientName: true, durationMs: true },
  })
  expect(rows.length).toBeGreaterThanOrEqual(2)
  for (const row of rows) {
    expect(row).toMatchObject({ userId: account.user.id, via: 'agent', outcome: 'success', arguments: null, agentClientId: caller.clientId, agentClientName: 'Claude Code' })
    expect(row.durationMs).toBeGreaterThanOrEqual(0)
  }
})
