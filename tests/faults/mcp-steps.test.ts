import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { type ServerSummary, requireServer } from '#app/models/server.server.ts'
import { setServerHeader } from '#app/models/server-headers.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { MAX_EVENT_STREAM_BYTES, MAX_RESPONSE_BYTES } from '#app/utils/guarded-fetch-policy.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import {
  MESSAGE_FOR_FAULT,
  connectionRow,
  expectClearMessage,
  expectCredentialsKept,
  expectOtherRequestsServed,
  otherRequests,
  track,
} from '#tests/faults/fault-checks.ts'
import { FAULT_KINDS, type FaultKind, type FaultPeer, type FaultRule, startFaultPeer } from '#tests/faults/fault-peer.ts'
import { type Account, type HealthyServer, healthyServerFor, oauthServerOn, secretsOf, toolsPageSection } from '#tests/faults/fault-routes.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { createTestAccount } from '#tests/utils.ts'

// The fault suite, MCP half: initialize, tools/list and tools/call (Streamable HTTP, on an OAuth
// server: a failing MCP server must never cost anyone their sign-in) and the event stream of the
// legacy HTTP+SSE transport (on a server with a static API key), against a peer that is down,
// hangs, answers 500, answers garbage, stops halfway or answers too much. Servers get a 3 s
// timeout here, so the "hang" cells are quick.

const TIMEOUT_MS = 3_000
const API_KEY = 'fault-suite-api-key-0123456789'

/** The failure kind each fault should end in, for every MCP step. */
const KIND_FOR_FAULT: Record<FaultKind, string[]> = {
  down: ['connect_refused'],
  hang: ['timeout'],
  status500: ['server_error'],
  garbage: ['not_mcp'],
  truncated: ['network', 'not_mcp'],
  huge: ['too_large'],
}

let oauthPeer: SdkAuthServer
let oauthFaults: FaultPeer
let sseDemo: DemoMcpServer
let sseFaults: FaultPeer
let healthyDemo: DemoMcpServer
let account: Account
let healthy: HealthyServer

beforeAll(async () => {
  account = await createTestAccount('MCP fault finder')
  oauthPeer = await startSdkAuthServer()
  oauthFaults = await startFaultPeer(new URL(oauthPeer.mcpUrl).origin)
  sseDemo = await startDemoMcpServer({ transport: 'sse', apiKey: API_KEY })
  sseFaults = await startFaultPeer(new URL(sseDemo.url).origin)
  healthyDemo = await startDemoMcpServer()
  healthy = await healthyServerFor(account, healthyDemo.url)
})
afterEach(async () => {
  await oauthFaults.recover()
  await sseFaults.recover()
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([oauthFaults?.close(), sseFaults?.close()])
  await Promise.all([oauthPeer?.close(), sseDemo?.close(), healthyDemo?.close()])
})

// --- The steps -----------------------------------------------------------------------------------

type Target = { workspaceId: string; serverId: string; server: ServerSummary }
type Seen = { kind: string; message: string; action: string }

type McpStep = {
  step: string
  /** The shared fault peer of the step, and the origin of the real peer behind it. */
  faults: () => FaultPeer
  peerOrigin: () => string
  rule: Omit<FaultRule, 'kind'>
  hugeBytes: number
  /** A server on `faults` in the state the step needs (connected, with or without an open session). */
  prepare(faults: FaultPeer): Promise<Target>
  run(target: Target): Promise<Seen | null>
  /** The stored credentials are unchanged. */
  credentialsKept(target: Target): Promise<void>
  recovery(target: Target): Promise<void>
}


/** What the Tools page shows for the server. */
async function toolsPageFailure(target: Target): Promise<Seen | null> {
  const section = await toolsPageSection(account, target)
  expect(section.status).toBe(200)
  return section.failure
}

async function listsTools(target: Target) {
  const section = await toolsPageSection(account, target)
  expect(section.failure).toBeNull()
  expect(section.tools).toContain('echo')
}

async function echoes(target: Target) {
  const call = await callServerTool(account.user.id, target.server, 'echo', { message: 'back again' })
  expect(call.ok ? call.value.result : call.failure).toMatchObject({ content: [{ type: 'text', text: 'back again' }] })
}

const connectionBefore = new Map<string, Awaited<ReturnType<typeof connectionRow>>>()
const headerBefore = new Map<string, string>()

/** A connected OAuth server on `faults`; `warm` opens its MCP session first. */
async function oauthStepTarget(faults: FaultPeer, warm: boolean): Promise<Target> {
  const c = await oauthServerOn(account, oauthPeer, faults, { connected: true, timeoutMs: TIMEOUT_MS })
  if (warm) expect((await toolsPageSection(account, c)).failure).toBeNull()
  connectionBefore.set(c.serverId, c.before)
  return c
}

async function keptOAuth(target: Target) {
  expectCredentialsKept(connectionBefore.get(target.serverId) ?? null, await connectionRow(target.serverId, account.user.id))
  const secrets = await secretsOf(target.serverId, account.user.id)
  expect(secrets.some((secret) => oauthPeer.stats.validRefreshTokens.has(secret)), 'the refresh token is still valid at the peer').toBe(true)
}

const steps: McpStep[] = [
  {
    step: 'MCP initialize',
    faults: () => oauthFaults,
    peerOrigin: () => new URL(oauthPeer.mcpUrl).origin,
    rule: { face: 'mcp', path: '/mcp', bodyContains: '"method":"initialize"' },
    hugeBytes: MAX_RESPONSE_BYTES + 1024 * 1024,
    prepare: (faults) => oauthStepTarget(faults, false),
    run: toolsPageFailure,
    credentialsKept: keptOAuth,
    recovery: listsTools,
  },
  {
    step: 'tools/list',
    faults: () => oauthFaults,
    peerOrigin: () => new URL(oauthPeer.mcpUrl).origin,
    rule: { face: 'mcp', path: '/mcp', bodyContains: '"method":"tools/list"' },
    hugeBytes: MAX_RESPONSE_BYTES + 1024 * 1024,
    prepare: (faults) => oauthStepTarget(faults, true),
    run: toolsPageFailure,
    credentialsKept: keptOAuth,
    recovery: listsTools,
  },
  {
    step: 'tools/call',
    faults: () => oauthFaults,
    peerOrigin: () => new URL(oauthPeer.mcpUrl).origin,
    rule: { face: 'mcp', path: '/mcp', bodyContains: '"method":"tools/call"' },
    hugeBytes: MAX_RESPONSE_BYTES + 1024 * 1024,
    prepare: (faults) => oauthStepTarget(faults, true),
    async run(target) {
      const call = await callServerTool(account.user.id, target.server, 'echo', { message: 'into the fault' })
      return call.ok ? null : call.failure
    },
    credentialsKept: keptOAuth,
    recovery: echoes,
  },
  {
    step: 'SSE stream (legacy HTTP+SSE transport)',
    faults: () => sseFaults,
    peerOrigin: () => new URL(sseDemo.url).origin,
    rule: { face: 'mcp', path: '/sse', method: 'GET' },
    hugeBytes: MAX_EVENT_STREAM_BYTES + 1024 * 1024,
    async prepare(faults) {
      const { user } = account
      const row = await getDb().mcpServer.create({
        data: { workspaceId: user.workspaceId, name: `SSE ${Math.random().toString(36).slice(2, 10)}`, url: faults.onMcpFace(sseDemo.url), transport: 'sse', authType: 'headers', timeoutMs: TIMEOUT_MS },
        select: { id: true },
      })
      await setServerHeader(await requireServer(user.workspaceId, row.id), 'X-Api-Key', API_KEY)
      const stored = await getDb().serverHeader.findFirstOrThrow({ where: { serverId: row.id }, select: { value: true } })
      headerBefore.set(row.id, stored.value)
      return { workspaceId: user.workspaceId, serverId: row.id, server: await requireServer(user.workspaceId, row.id) }
    },
    run: toolsPageFailure,
    async credentialsKept(target) {
      const stored = await getDb().serverHeader.findFirstOrThrow({ where: { serverId: target.serverId }, select: { value: true } })
      expect(stored.value).toBe(headerBefore.get(target.serverId))
    },
    async recovery(target) {
      await listsTools(target)
      await echoes(target)
    },
  },
]

async function runCell(step: McpStep, fault: FaultKind, faults: FaultPeer) {
  const target = await step.prepare(faults)
  await faults.fail({ ...step.rule, kind: fault, hugeBytes: step.hugeBytes })
  const running = track(step.run(target))
  if (fault === 'hang') await Promise.race([faults.waitForHung(), running.promise])
  const others = await otherRequests(healthy)
  const stillWaiting = !running.settled()
  const seen = await running.promise
  expectOtherRequestsServed(others)
  if (fault === 'hang') expect(stillWaiting, 'the hung step was still waiting while the other requests were served').toBe(true)
  expect(seen, 'the step failed').not.toBeNull()
  expect(KIND_FOR_FAULT[fault]).toContain(seen?.kind)
  // A timeout or a server error is worth another try; the UI offers "Try again".
  if (fault === 'hang' || fault === 'status500') expect(seen?.action).toBe('retry')
  expectClearMessage(seen?.message, [...(await secretsOf(target.serverId, account.user.id)), API_KEY])
  expect(seen?.message).toMatch(MESSAGE_FOR_FAULT[fault])
  await step.credentialsKept(target)
  await faults.recover()
  await step.recovery(target)
  await step.credentialsKept(target)
}

const faultLabel: Record<FaultKind, string> = {
  down: 'is down',
  hang: 'hangs',
  status500: 'answers 500',
  garbage: 'answers an HTML page',
  truncated: 'stops halfway through its answer',
  huge: 'answers more than the size limit',
}

for (const step of steps) {
  for (const fault of FAULT_KINDS.filter((kind) => kind !== 'hang')) {
    test(`${step.step}: when the server ${faultLabel[fault]}, the person gets a clear sentence, credentials survive and the next request works once it is back`, async () => {
      await runCell(step, fault, step.faults())
    })
  }
}

test('every MCP step whose server hangs gives up after the server’s timeout with a clear sentence, while the app serves other requests; the next request works once it is back', async () => {
  // One fault peer per step, all at once: the timeouts overlap instead of adding up.
  const targets = await Promise.all(steps.map((step) => startFaultPeer(step.peerOrigin())))
  try {
    const outcomes = await Promise.allSettled(steps.map((step, index) => runCell(step, 'hang', targets[index] ?? step.faults())))
    const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [`${steps[index]?.step}: ${String(outcome.reason)}`] : []))
    expect(failed).toEqual([])
  } finally {
    await Promise.all(targets.map((target) => target.close()))
  }
})

test('a server that restarts between two requests (its connections dropped) costs no failed request: the next listing and call succeed', async () => {
  const target = await oauthStepTarget(oauthFaults, true)
  await oauthFaults.fail({ face: 'mcp', kind: 'down' })
  await oauthFaults.recover()
  const section = await toolsPageSection(account, target)
  expect(section.failure).toBeNull()
  await echoes(target)
  await keptOAuth(target)
})

test('when the event stream of an SSE session breaks, the next request opens a new session and succeeds', async () => {
  const sse = steps.find((step) => step.step.startsWith('SSE'))
  if (!sse) throw new Error('no SSE step')
  const target = await sse.prepare(sseFaults)
  await listsTools(target)
  const initializedBefore = sseDemo.stats.initializeCount
  await sseFaults.cutStreams()
  await echoes(target)
  expect(sseDemo.stats.initializeCount, 'a new session was opened').toBe(initializedBefore + 1)
  await sse.credentialsKept(target)
})
