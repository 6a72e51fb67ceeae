import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { MAX_METADATA_BYTES } from '#app/oauth/http.server.ts'
import { refreshStats } from '#app/oauth/tokens.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import {
  MESSAGE_FOR_FAULT,
  connectionRow,
  expectClearMessage,
  expectCredentialsKept,
  expectOtherRequestsServed,
  otherRequests,
  track,
  waitUntil,
} from '#tests/faults/fault-checks.ts'
import { type FaultKind, type FaultPeer, type FaultRule, startFaultPeer } from '#tests/faults/fault-peer.ts'
import {
  type Account,
  type HealthyServer,
  type OAuthCase,
  connectThroughRoute,
  disconnectThroughRoute,
  failureOf,
  healthyServerFor,
  oauthServerOn,
  refreshRequestsAt,
  resultTextOf,
  runEchoThroughRoute,
  secretsOf,
} from '#tests/faults/fault-routes.ts'
import { autoApprove, connectThroughRoutes, finishCallbackRoute } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { createTestAccount, dataOf, flashOf, headersOf, statusOf } from '#tests/utils.ts'

// Read on first use (getEnv), after this file's imports: every request of this file waits at most 3 s.
process.env.OAUTH_TIMEOUT_MS = '3000'

// The fault suite, OAuth half: each outbound step of the OAuth client (protected-resource
// metadata, authorization-server metadata, registration, code exchange, refresh, revocation)
// against a peer that is down, hangs, answers 500, answers garbage, stops halfway or answers
// too much. Every case checks the sentence the person gets, that the stored credentials survive,
// that the app answers other requests meanwhile, and that the step works again afterwards.
//
// NOTE: each OAuth request waits OAUTH_TIMEOUT_MS; this file sets it to 3 s (the default is 10 s) so
// that the hang cases, a refresh's three attempts among them, take seconds. The "hang" column runs as
// one test with every step at once, each on its own fault peer.

/** Bigger than the OAuth limit (256 KB). */
const OAUTH_HUGE_BYTES = MAX_METADATA_BYTES + 128 * 1024

/** The callback page's status for a failed code exchange (ADR 010: 502/503/504). */
const CALLBACK_STATUS: Record<FaultKind, number> = { down: 502, hang: 504, status500: 503, garbage: 502, truncated: 502, huge: 502 }

let peer: SdkAuthServer
let faults: FaultPeer
let demo: DemoMcpServer
let account: Account
let healthy: HealthyServer

beforeAll(async () => {
  account = await createTestAccount('Fault finder')
  // no-store: every Connect and refresh discovers again, so the metadata steps are always exercised.
  peer = await startSdkAuthServer({ metadataCacheControl: 'no-store' })
  faults = await startFaultPeer(new URL(peer.mcpUrl).origin)
  demo = await startDemoMcpServer()
  healthy = await healthyServerFor(account, demo.url)
})
afterEach(() => faults.recover())
afterAll(async () => {
  await getSessionPool().closeAll()
  await faults?.close()
  await Promise.all([peer?.close(), demo?.close()])
})

// --- The steps -----------------------------------------------------------------------------------

/** What the person got: the sentence, and the HTTP status of the answer (302 for a redirect with a flash). */
type Seen = { message: string; status: number; kind: string | null; extraSecrets: string[] }

type OAuthStep = {
  step: string
  rule: Omit<FaultRule, 'kind'>
  start: { connected: boolean; expired?: boolean }
  /** Drives the real entry point while the fault is on. */
  run(c: OAuthCase, target: FaultPeer): Promise<Seen>
  /** The answer the person gets for `fault`. */
  expectSeen(seen: Seen, fault: FaultKind, c: OAuthCase): void
  /** What must hold in the database and at the peer once the step has failed. */
  afterFailure(c: OAuthCase, fault: FaultKind, target: FaultPeer): Promise<void>
  /** Once the peer is back, the step works. */
  recovery(c: OAuthCase): Promise<void>
}

/** refreshStats.tokenRequests when each refresh case started. */
const refreshesBefore = new Map<string, number>()

const serverPage = (c: OAuthCase) => `/w/${c.workspaceId}/servers/${c.serverId}`

/** Connect (or Reconnect) from the server page: it fails before leaving Switchboard. */
async function connectThatFails(c: OAuthCase): Promise<Seen> {
  const result = await connectThroughRoute(account, c)
  const flash = await flashOf(result)
  expect(statusOf(result)).toBe(302)
  expect(headersOf(result).get('Location')).toBe(serverPage(c))
  expect(flash?.kind).toBe('error')
  return { message: flash?.message ?? '', status: statusOf(result), kind: flash?.kind ?? null, extraSecrets: [] }
}

/** An existing connection is untouched and its refresh token still works at the peer. */
async function connectionUntouched(c: OAuthCase) {
  expectCredentialsKept(c.before, await connectionRow(c.serverId, account.user.id))
  const stored = await secretsOf(c.serverId, account.user.id)
  expect(stored.some((secret) => peer.stats.validRefreshTokens.has(secret)), 'the refresh token is still valid at the peer').toBe(true)
}

async function nothingHalfStored(c: OAuthCase) {
  expect(await getDb().oAuthFlow.count({ where: { serverId: c.serverId } }), 'no sign-in flow was left behind').toBe(0)
}

/** Connect → approve → callback works again, and the tools work with the new tokens. */
async function connectsAndCalls(c: OAuthCase) {
  await connectThroughRoutes({ workspaceId: c.workspaceId, serverId: c.serverId, cookie: account.cookie })
  const call = await runEchoThroughRoute(account, c, 'back again')
  expect(call.status).toBe(200)
  expect(resultTextOf(call.data)).toBe('back again')
}

const steps: OAuthStep[] = [
  {
    step: 'protected-resource metadata',
    rule: { face: 'mcp', path: '/.well-known/oauth-protected-resource' },
    start: { connected: true },
    run: connectThatFails,
    expectSeen: (seen, fault) => expect(seen.message).toMatch(MESSAGE_FOR_FAULT[fault]),
    async afterFailure(c) {
      await connectionUntouched(c)
      await nothingHalfStored(c)
    },
    recovery: connectsAndCalls,
  },
  {
    step: 'authorization-server metadata',
    rule: { face: 'as', path: '/.well-known/' },
    start: { connected: true },
    run: connectThatFails,
    expectSeen: (seen, fault) => expect(seen.message).toMatch(MESSAGE_FOR_FAULT[fault]),
    async afterFailure(c) {
      await connectionUntouched(c)
      await nothingHalfStored(c)
    },
    recovery: connectsAndCalls,
  },
  {
    step: 'dynamic client registration',
    rule: { face: 'register', path: '/register' },
    start: { connected: false },
    run: connectThatFails,
    expectSeen: (seen, fault) => expect(seen.message).toMatch(MESSAGE_FOR_FAULT[fault]),
    async afterFailure(c) {
      expect(await getDb().oAuthClientRegistration.count({ where: { serverId: c.serverId } }), 'no registration stored').toBe(0)
      expect(await connectionRow(c.serverId, account.user.id)).toBeNull()
      await nothingHalfStored(c)
    },
    recovery: connectsAndCalls,
  },
  {
    step: 'token (code exchange)',
    rule: { face: 'token', path: '/token', bodyContains: 'grant_type=authorization_code' },
    // A Reconnect over an existing connection: the old tokens must survive a failed exchange.
    start: { connected: true },
    async run(c) {
      const started = await connectThroughRoute(account, c)
      expect(statusOf(started)).toBe(302)
      const callbackUrl = await autoApprove(headersOf(started).get('Location') ?? '')
      const back = new URL(callbackUrl)
      const finished = await finishCallbackRoute(callbackUrl, account.cookie)
      const data = dataOf(finished.result)
      const message = typeof data === 'object' && data !== null && 'message' in data ? String(data.message) : ''
      return { message, status: finished.status, kind: null, extraSecrets: [back.searchParams.get('code') ?? '', back.searchParams.get('state') ?? ''] }
    },
    expectSeen(seen, fault) {
      expect(seen.status).toBe(CALLBACK_STATUS[fault])
      expect(seen.message).toMatch(MESSAGE_FOR_FAULT[fault])
    },
    async afterFailure(c) {
      await connectionUntouched(c)
      // The flow is used up: the callback URL cannot be replayed; Connect starts a new one.
      await nothingHalfStored(c)
    },
    recovery: connectsAndCalls,
  },
  {
    step: 'refresh',
    rule: { face: 'token', path: '/token', bodyContains: 'grant_type=refresh_token' },
    start: { connected: true, expired: true },
    async run(c) {
      refreshesBefore.set(c.serverId, refreshStats.tokenRequests)
      const call = await runEchoThroughRoute(account, c, 'needs a refresh')
      const failure = failureOf(call.data)
      return { message: failure?.message ?? '', status: call.status, kind: failure?.kind ?? null, extraSecrets: [] }
    },
    expectSeen(seen, fault) {
      expect(seen.status).toBe(502)
      if (fault === 'hang') {
        // The page does not wait for the refresh beyond the server's timeout; it goes on in the background.
        expect(seen.kind).toBe('timeout')
        expect(seen.message).toMatch(MESSAGE_FOR_FAULT.hang)
        return
      }
      expect(seen.kind).toBe('oauth_unavailable')
      expect(seen.message).toMatch(/Your sign-in is kept; try again shortly\.$/)
      expect(seen.message).toMatch(MESSAGE_FOR_FAULT[fault])
    },
    async afterFailure(c, fault, target) {
      if (fault === 'hang') {
        // Three attempts (OAUTH_TIMEOUT_MS each, 250 ms and 1 s apart). While the last one is under way, the
        // refresh must still hold its lease: otherwise another instance refreshes with the same
        // refresh token, and a server with reuse detection revokes the whole grant.
        await waitUntil(() => refreshRequestsAt(target) >= 3)
        const lease = (await connectionRow(c.serverId, account.user.id))?.refreshLeaseUntil ?? null
        expect.soft(lease?.getTime() ?? 0, 'the refresh lease is still held during the last attempt').toBeGreaterThan(Date.now())
        await waitUntil(async () => {
          const row = await connectionRow(c.serverId, account.user.id)
          return row?.refreshLeaseUntil === null && row.lastError !== null
        })
      } else {
        expect(refreshStats.tokenRequests - (refreshesBefore.get(c.serverId) ?? 0), 'a transient failure is tried three times').toBe(3)
      }
      await connectionUntouched(c)
      const row = await connectionRow(c.serverId, account.user.id)
      expectClearMessage(row?.lastError)
      const audit = await getDb().auditEvent.findMany({ where: { serverId: c.serverId, event: 'oauth.refresh_failed' }, select: { outcome: true } })
      expect(audit).toEqual([{ outcome: 'failure' }])
    },
    async recovery(c) {
      const call = await runEchoThroughRoute(account, c, 'refreshed')
      expect(call.status).toBe(200)
      expect(resultTextOf(call.data)).toBe('refreshed')
      const row = await connectionRow(c.serverId, account.user.id)
      expect(row).toMatchObject({ status: 'connected', generation: (c.before?.generation ?? 0) + 1, lastError: null })
    },
  },
  {
    step: 'revocation',
    rule: { face: 'revoke', path: '/revoke' },
    start: { connected: true },
    async run(c) {
      const result = await disconnectThroughRoute(account, c)
      expect(statusOf(result)).toBe(302)
      expect(headersOf(result).get('Location')).toBe(serverPage(c))
      const flash = await flashOf(result)
      return { message: flash?.message ?? '', status: statusOf(result), kind: flash?.kind ?? null, extraSecrets: [] }
    },
    expectSeen(seen, fault) {
      if (fault === 'garbage' || fault === 'truncated' || fault === 'huge') {
        // RFC 7009 §2.2: a 200 means revoked, whatever the body says.
        expect(seen.kind).toBe('success')
        expect(seen.message).toMatch(/^Disconnected from .+ and revoked access at its authorization server\.$/)
        return
      }
      expect(seen.kind).toBe('info')
      expect(seen.message).toMatch(/^Disconnected from .+\. The authorization server did not confirm revoking the refresh token .*Switchboard deleted its copy anyway\.$/)
    },
    async afterFailure(c) {
      // Disconnect always forgets the tokens here; the peer never got the request, so they stay valid there.
      expect(await connectionRow(c.serverId, account.user.id)).toBeNull()
      expect(await getDb().auditEvent.count({ where: { serverId: c.serverId, event: 'oauth.disconnected' } })).toBe(1)
    },
    async recovery(c) {
      await connectThroughRoutes({ workspaceId: c.workspaceId, serverId: c.serverId, cookie: account.cookie })
      const [refreshToken] = (await secretsOf(c.serverId, account.user.id)).filter((secret) => peer.stats.validRefreshTokens.has(secret))
      expect(refreshToken).toBeTruthy()
      const result = await disconnectThroughRoute(account, c)
      expect(await flashOf(result)).toMatchObject({ kind: 'success' })
      expect(peer.stats.validRefreshTokens.has(refreshToken ?? '')).toBe(false)
    },
  },
]

/** One cell of the matrix: the step fails with `fault` on `target`, then recovers. */
async function runCell(step: OAuthStep, fault: FaultKind, target: FaultPeer) {
  const c = await oauthServerOn(account, peer, target, step.start)
  const secrets = await secretsOf(c.serverId, account.user.id)
  await target.fail({ ...step.rule, kind: fault, hugeBytes: OAUTH_HUGE_BYTES })
  const running = track(step.run(c, target))
  if (fault === 'hang') await Promise.race([target.waitForHung(), running.promise])
  // The rest of the app answers meanwhile (for a hang: while the step is still waiting).
  const others = await otherRequests(healthy)
  const stillWaiting = !running.settled()
  const seen = await running.promise
  expectOtherRequestsServed(others)
  if (fault === 'hang') expect(stillWaiting, 'the hung step was still waiting while the other requests were served').toBe(true)
  expectClearMessage(seen.message, [...secrets, ...seen.extraSecrets])
  step.expectSeen(seen, fault, c)
  await step.afterFailure(c, fault, target)
  await target.recover()
  await step.recovery(c)
}

const fastFaults: FaultKind[] = ['down', 'status500', 'garbage', 'truncated', 'huge']
const faultLabel: Record<FaultKind, string> = {
  down: 'is down',
  hang: 'hangs',
  status500: 'answers 500',
  garbage: 'answers an HTML page',
  truncated: 'stops halfway through its answer',
  huge: 'answers more than 256 KB',
}

for (const step of steps) {
  for (const fault of fastFaults) {
    test(`${step.step}: when the peer ${faultLabel[fault]}, the person gets a clear sentence, credentials survive and the step works again afterwards`, async () => {
      await runCell(step, fault, faults)
    })
  }
}

test('every OAuth step whose peer hangs gives up after the OAuth timeout with a clear sentence, while the app serves other requests; the step works again afterwards', async () => {
  expect(getEnv().OAUTH_TIMEOUT_MS, 'this file shortens the OAuth timeout').toBe(3000)
  // One fault peer per step, all at once: the hangs overlap instead of adding up.
  const targets = await Promise.all(steps.map(() => startFaultPeer(new URL(peer.mcpUrl).origin)))
  try {
    const outcomes = await Promise.allSettled(steps.map((step, index) => runCell(step, 'hang', targets[index] ?? faults)))
    const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [`${steps[index]?.step}: ${String(outcome.reason)}`] : []))
    expect(failed).toEqual([])
  } finally {
    await Promise.all(targets.map((target) => target.close()))
  }
}, 90_000)
