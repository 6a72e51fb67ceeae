import { randomBytes } from 'node:crypto'
import { beforeAll, expect, test } from 'vitest'
import { keyHashOf, prismaAdapterClass } from '#app/gateway/as/adapter.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { runHousekeeping } from '#app/utils/housekeeping.server.ts'
import { createAgentGrant } from '#tests/support/gateway-server.ts'
import { type TestUser, createTestUser } from '#tests/utils.ts'

// The authorization server's Prisma adapter, method by method, on SQLite and PostgreSQL (this file runs in both
// database projects): ids stored only as SHA-256 and re-attached on find, expiry, atomic consumption (a lost race
// revokes the grant), revocation by grant (Connected apps row included), sessions by uid, encrypted client secrets.

class ConsumedTwice extends Error {}
const Adapter = prismaAdapterClass({ alreadyConsumed: () => new ConsumedTwice('grant request is invalid') })

let user: TestUser
beforeAll(async () => {
  user = await createTestUser()
})

function token(): string {
  return randomBytes(32).toString('base64url')
}

async function storedRow(model: string, id: string) {
  return getDb().agentAuthRecord.findUnique({ where: { model_keyHash: { model, keyHash: keyHashOf(id) } } })
}

test('upsert stores a token under its hash only; find re-attaches it', async () => {
  const adapter = new Adapter('AccessToken')
  const id = token()
  await adapter.upsert(id, { jti: id, kind: 'AccessToken', accountId: user.id, clientId: 'c1', grantId: 'g1', exp: 1 }, 600)
  const row = await storedRow('AccessToken', id)
  expect(row).not.toBeNull()
  expect(JSON.stringify(row)).not.toContain(id)
  expect(row).toMatchObject({ accountId: user.id, clientId: 'c1', grantId: 'g1', consumedAt: null })
  expect(await adapter.find(id)).toMatchObject({ jti: id, kind: 'AccessToken', accountId: user.id, grantId: 'g1' })
  // Another presented value finds nothing; so does the same value under another model.
  expect(await adapter.find(token())).toBeUndefined()
  expect(await new Adapter('RefreshToken').find(id)).toBeUndefined()
})

test('upsert replaces the payload; find ignores expired rows', async () => {
  const adapter = new Adapter('AuthorizationCode')
  const id = token()
  await adapter.upsert(id, { jti: id, scope: 'mcp' }, 60)
  await adapter.upsert(id, { jti: id, scope: 'mcp offline_access' }, 60)
  expect(await adapter.find(id)).toMatchObject({ scope: 'mcp offline_access' })
  await getDb().agentAuthRecord.update({
    where: { model_keyHash: { model: 'AuthorizationCode', keyHash: keyHashOf(id) } },
    data: { expiresAt: new Date(Date.now() - 1000) },
  })
  expect(await adapter.find(id)).toBeUndefined()
})

test('consume marks once; a second consume (a replay or a lost race) revokes the grant and fails', async () => {
  const caller = await createAgentGrant({ id: user.id, workspaceId: user.workspaceId })
  const codes = new Adapter('AuthorizationCode')
  const tokens = new Adapter('AccessToken')
  const code = token()
  const accessToken = token()
  await codes.upsert(code, { jti: code, grantId: caller.grantId }, 60)
  await tokens.upsert(accessToken, { jti: accessToken, grantId: caller.grantId }, 600)

  await codes.consume(code)
  const found = await codes.find(code)
  expect(typeof found?.consumed).toBe('number')

  await expect(codes.consume(code)).rejects.toBeInstanceOf(ConsumedTwice)
  expect(await tokens.find(accessToken)).toBeUndefined()
  expect(await getDb().agentGrant.findUnique({ where: { id: caller.grantId } })).toBeNull()
})

test('two concurrent consumes: exactly one wins', async () => {
  const adapter = new Adapter('RefreshToken')
  const id = token()
  await adapter.upsert(id, { jti: id, grantId: `g-${token()}` }, 600)
  const results = await Promise.allSettled([adapter.consume(id), adapter.consume(id), adapter.consume(id)])
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
  expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2)
})

test('destroy deletes one object', async () => {
  const adapter = new Adapter('Interaction')
  const id = token()
  await adapter.upsert(id, { jti: id, uid: id, returnTo: 'http://127.0.0.1:3000/as/authorize/x' }, 600)
  expect(await adapter.find(id)).toMatchObject({ jti: id, uid: id })
  await adapter.destroy(id)
  expect(await storedRow('Interaction', id)).toBeNull()
})

test('revokeByGrantId deletes the grant, its codes and tokens, and its Connected apps row', async () => {
  const caller = await createAgentGrant({ id: user.id, workspaceId: user.workspaceId })
  const unrelated = await createAgentGrant({ id: user.id, workspaceId: user.workspaceId })
  const grants = new Adapter('Grant')
  const refresh = new Adapter('RefreshToken')
  const rt = token()
  const otherRt = token()
  await grants.upsert(caller.grantId, { jti: caller.grantId, accountId: user.id, clientId: caller.clientId }, 600)
  await refresh.upsert(rt, { jti: rt, grantId: caller.grantId }, 600)
  await refresh.upsert(otherRt, { jti: otherRt, grantId: unrelated.grantId }, 600)

  await refresh.revokeByGrantId(caller.grantId)
  expect(await grants.find(caller.grantId)).toBeUndefined()
  expect(await refresh.find(rt)).toBeUndefined()
  expect(await getDb().agentGrant.findUnique({ where: { id: caller.grantId } })).toBeNull()
  expect(await refresh.find(otherRt)).toMatchObject({ jti: otherRt })
  expect(await getDb().agentGrant.findUnique({ where: { id: unrelated.grantId } })).not.toBeNull()
})

test('findByUid returns a session with its id, which is stored only encrypted', async () => {
  const adapter = new Adapter('Session')
  const id = token()
  const uid = token()
  await adapter.upsert(id, { jti: id, uid, accountId: user.id }, 600)
  expect(JSON.stringify(await storedRow('Session', id))).not.toContain(id)
  expect(await adapter.findByUid(uid)).toMatchObject({ jti: id, uid, accountId: user.id })
  expect(await adapter.findByUid(token())).toBeUndefined()
  expect(await adapter.findByUserCode()).toBeUndefined()
})

test('a client payload with a client_secret is stored encrypted', async () => {
  const adapter = new Adapter('Client')
  const clientId = `client-${token()}`
  const secret = `secret-${token()}`
  await adapter.upsert(clientId, { client_id: clientId, client_secret: secret, client_name: 'Confidential' })
  const row = await storedRow('Client', clientId)
  expect(row?.payload.startsWith('v1.')).toBe(true)
  expect(JSON.stringify(row)).not.toContain(secret)
  expect(JSON.stringify(row)).not.toContain(clientId)
  expect(await adapter.find(clientId)).toEqual({ client_id: clientId, client_secret: secret, client_name: 'Confidential' })

  const publicClient = `client-${token()}`
  await adapter.upsert(publicClient, { client_id: publicClient, client_name: 'Public', token_endpoint_auth_method: 'none' })
  expect((await storedRow('Client', publicClient))?.payload.startsWith('{')).toBe(true)
  expect(await adapter.find(publicClient)).toEqual({ client_id: publicClient, client_name: 'Public', token_endpoint_auth_method: 'none' })
})

test('housekeeping deletes expired records and keeps live ones', async () => {
  const adapter = new Adapter('AccessToken')
  const live = token()
  const expired = token()
  await adapter.upsert(live, { jti: live }, 600)
  await adapter.upsert(expired, { jti: expired }, 600)
  await getDb().agentAuthRecord.update({
    where: { model_keyHash: { model: 'AccessToken', keyHash: keyHashOf(expired) } },
    data: { expiresAt: new Date(Date.now() - 1000) },
  })
  expect((await runHousekeeping()).agentAuthRecords).toBeGreaterThanOrEqual(1)
  expect(await storedRow('AccessToken', expired)).toBeNull()
  expect(await storedRow('AccessToken', live)).not.toBeNull()
})
