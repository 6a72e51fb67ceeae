import { expect, test } from 'vitest'
import { requireServer } from '#app/models/server.server.ts'
import { loadEndpoint, setServerHeader } from '#app/models/server-headers.server.ts'
import { decryptSecret, keyIdOf } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { encryptedColumns, reencryptAll } from '#app/utils/reencrypt.server.ts'
import { createTestUser } from '#tests/utils.ts'

test('rotation through the real registry: header values move to the new key and still decrypt', async () => {
  const user = await createTestUser()
  const row = await getDb().mcpServer.create({
    data: { workspaceId: user.workspaceId, name: 'Rotating', url: 'https://mcp.example.com/mcp' },
    select: { id: true },
  })
  const server = await requireServer(user.workspaceId, row.id)
  await setServerHeader(server, 'X-Api-Key', 'secret-value-1')
  const oldKeys = getEnv().ENCRYPTION_KEYS
  const before = await getDb().serverHeader.findFirstOrThrow({ where: { serverId: server.id }, select: { id: true, value: true } })
  expect(keyIdOf(before.value)).toBe(oldKeys[0]?.id)

  const newKeys = [{ id: 'rotated', key: Buffer.alloc(32, 42) }, ...oldKeys]
  const summary = await reencryptAll(getDb(), getEnv().DATABASE_URL, { keys: newKeys })
  expect(summary.failed).toEqual([])
  expect(summary.reencrypted).toBeGreaterThanOrEqual(1)

  const after = await getDb().serverHeader.findUniqueOrThrow({ where: { id: before.id }, select: { value: true } })
  expect(keyIdOf(after.value)).toBe('rotated')
  // Bound to the same row and column as the model encrypts it, so the model's context decrypts it.
  expect(decryptSecret(after.value, { table: 'ServerHeader', column: 'value', rowId: before.id }, newKeys)).toEqual({
    ok: true,
    value: 'secret-value-1',
  })
  // With the new key gone, the app reports the header as unreadable instead of failing.
  const unreadable = await loadEndpoint(await requireServer(user.workspaceId, server.id))
  expect(unreadable).toEqual({ ok: false, unreadableHeaders: ['X-Api-Key'] })
  expect(encryptedColumns.map((c) => `${c.table}.${c.column}`)).toContain('ServerHeader.value')
})
