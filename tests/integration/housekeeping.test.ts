// Housekeeping deletes what has expired and nothing else: throttle counters no rule looks at any
// more, pending OAuth flows and stopped tool calls past their expiry, on both databases.
import { randomBytes } from 'node:crypto'
import { expect, test } from 'vitest'
import { getDb } from '#app/utils/db.server.ts'
import { runHousekeeping, startHousekeeping } from '#app/utils/housekeeping.server.ts'
import { THROTTLE_ROW_TTL_MS, LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS } from '#app/utils/throttle.server.ts'
import { recordFailure } from '#tests/integration/throttle-failures.ts'
import { createTestUser } from '#tests/utils.ts'

const HOUR_MS = 60 * 60 * 1000

async function fixtures() {
  const user = await createTestUser()
  const server = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: `Housekeeping ${randomBytes(3).toString('hex')}`, url: 'https://mcp.example.test/mcp', authType: 'oauth' },
    select: { id: true },
  })
  const tag = randomBytes(4).toString('hex')
  const flow = (name: string, expiresAt: Date) =>
    getDb().oAuthFlow.create({
      data: {
        id: `${tag}-${name}`,
        userId: user.id,
        sessionKey: 'session',
        serverId: server.id,
        configVersion: 1,
        codeVerifier: 'not a real ciphertext',
        issuer: 'https://as.example.test',
        requireIss: false,
        metadata: '{}',
        redirectUri: 'http://127.0.0.1:3000/oauth/callback',
        clientKind: 'dynamic',
        clientId: 'client',
        returnTo: '/',
        expiresAt,
      },
      select: { id: true },
    })
  const call = (name: string, expiresAt: Date) =>
    getDb().pendingToolCall.create({
      data: { id: `${tag}-${name}`, userId: user.id, serverId: server.id, toolName: 'echo', arguments: 'x', expiresAt },
      select: { id: true },
    })
  const now = Date.now()
  await flow('expired', new Date(now - 1_000))
  await flow('live', new Date(now + 10 * 60 * 1000))
  await call('expired', new Date(now - 1_000))
  await call('live', new Date(now + 10 * 60 * 1000))
  const old = new Date(now - THROTTLE_ROW_TTL_MS - HOUR_MS)
  await getDb().throttle.createMany({
    data: [
      { key: `${tag}-old`, count: 3, windowStart: old, lastEventAt: old },
      // A row from before lastEventAt existed counts from its window's start.
      { key: `${tag}-old-legacy`, count: 3, windowStart: old, lastEventAt: null },
      // Started long ago, but failed again just now: still in force.
      { key: `${tag}-busy`, count: 30, windowStart: old, lastEventAt: new Date(now - 1_000) },
    ],
  })
  await recordFailure(`${tag}-live`, LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS)
  return { tag }
}

async function remaining(tag: string) {
  const db = getDb()
  const [flows, calls, throttles] = await Promise.all([
    db.oAuthFlow.findMany({ where: { id: { startsWith: tag } }, select: { id: true }, orderBy: { id: 'asc' } }),
    db.pendingToolCall.findMany({ where: { id: { startsWith: tag } }, select: { id: true }, orderBy: { id: 'asc' } }),
    db.throttle.findMany({ where: { key: { startsWith: tag } }, select: { key: true }, orderBy: { key: 'asc' } }),
  ])
  return { flows: flows.map((r) => r.id), calls: calls.map((r) => r.id), throttles: throttles.map((r) => r.key) }
}

test('housekeeping deletes expired throttle rows, pending flows and stopped tool calls, and keeps live ones', async () => {
  const { tag } = await fixtures()

  const deleted = await runHousekeeping()

  expect(deleted.flows).toBeGreaterThanOrEqual(1)
  expect(deleted.pendingToolCalls).toBeGreaterThanOrEqual(1)
  expect(deleted.throttles).toBeGreaterThanOrEqual(2)
  expect(await remaining(tag)).toEqual({
    flows: [`${tag}-live`],
    calls: [`${tag}-live`],
    throttles: [`${tag}-busy`, `${tag}-live`],
  })
  // A second sweep (another instance, or the next tick) finds nothing more of these to delete.
  await runHousekeeping()
  expect((await remaining(tag)).throttles).toHaveLength(2)
})

test('the scheduled housekeeping sweeps on start and stops when asked', async () => {
  const { tag } = await fixtures()

  const stop = startHousekeeping(HOUR_MS)
  try {
    for (let i = 0; i < 200 && (await remaining(tag)).flows.length > 1; i++) await new Promise((resolve) => setTimeout(resolve, 25))
  } finally {
    stop()
  }

  expect(await remaining(tag)).toEqual({
    flows: [`${tag}-live`],
    calls: [`${tag}-live`],
    throttles: [`${tag}-busy`, `${tag}-live`],
  })
})

test('a Connected apps row whose grant has lapsed is removed; one with a live grant, or a new one, stays', async () => {
  const user = await createTestUser()
  const tag = randomBytes(4).toString('hex')
  const longAgo = new Date(Date.now() - 31 * 24 * HOUR_MS)
  const grant = (name: string, createdAt: Date) =>
    getDb().agentGrant.create({
      data: {
        id: `${tag}-${name}`,
        userId: user.id,
        workspaceId: user.workspaceId,
        resource: `http://127.0.0.1:3000/mcp/${user.workspaceId}`,
        clientId: `client-${name}`,
        clientName: `App ${name}`,
        redirectHost: '127.0.0.1',
        createdAt,
      },
    })
  await grant('lapsed', longAgo)
  await grant('renewed', longAgo)
  await grant('new', new Date())
  // The authorization server's Grant record: expired for the lapsed app (swept in the same run), live for the other.
  const record = (name: string, expiresAt: Date) =>
    getDb().agentAuthRecord.create({ data: { model: 'Grant', keyHash: `${tag}-${name}`, payload: '{}', grantId: `${tag}-${name}`, expiresAt } })
  await record('lapsed', new Date(Date.now() - 1_000))
  await record('renewed', new Date(Date.now() + 24 * HOUR_MS))

  const deleted = await runHousekeeping()

  expect(deleted.agentGrants).toBeGreaterThanOrEqual(1)
  const left = await getDb().agentGrant.findMany({ where: { id: { startsWith: tag } }, select: { id: true }, orderBy: { id: 'asc' } })
  expect(left.map((row) => row.id)).toEqual([`${tag}-new`, `${tag}-renewed`])
})

test('2025 agents’ questions and cancellations past their expiry are removed; live ones stay', async () => {
  const user = await createTestUser()
  const tag = randomBytes(4).toString('hex')
  await getDb().agentGrant.create({
    data: {
      id: `${tag}-grant`,
      userId: user.id,
      workspaceId: user.workspaceId,
      resource: `http://127.0.0.1:3000/mcp/${user.workspaceId}`,
      clientId: 'client-relay',
      clientName: 'App relay',
      redirectHost: '127.0.0.1',
    },
  })
  const sessionIdHash = `${tag}-session`
  await getDb().agentSession.create({
    data: { idHash: sessionIdHash, grantId: `${tag}-grant`, protocolVersion: '2025-11-25', capabilities: '{}', clientInfo: '{}', expiresAt: new Date(Date.now() + HOUR_MS) },
  })
  const past = new Date(Date.now() - 1_000)
  const future = new Date(Date.now() + HOUR_MS)
  await getDb().agentQuestion.createMany({
    data: [
      { id: `${tag}-q-old`, sessionIdHash, expiresAt: past },
      { id: `${tag}-q-live`, sessionIdHash, expiresAt: future },
    ],
  })
  await getDb().agentCancel.createMany({
    data: [
      { sessionIdHash, requestKey: 'number:1', expiresAt: past },
      { sessionIdHash, requestKey: 'number:2', expiresAt: future },
    ],
  })

  const deleted = await runHousekeeping()

  expect(deleted.agentRelays).toBeGreaterThanOrEqual(2)
  expect((await getDb().agentQuestion.findMany({ where: { sessionIdHash }, select: { id: true } })).map((row) => row.id)).toEqual([`${tag}-q-live`])
  expect((await getDb().agentCancel.findMany({ where: { sessionIdHash }, select: { requestKey: true } })).map((row) => row.requestKey)).toEqual(['number:2'])
})
