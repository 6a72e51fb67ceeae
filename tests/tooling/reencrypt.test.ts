import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { z } from 'zod'
import { decryptSecret, encryptSecret, keyIdOf, type SecretContext } from '#app/utils/crypto.server.ts'
import { createDb, type Db } from '#app/utils/db.server.ts'
import { type EncryptionKey } from '#app/utils/env.server.ts'
import { reencryptAll, reencryptValue, type EncryptedColumn } from '#app/utils/reencrypt.server.ts'
import { dropPostgresDatabase, postgresUrlFor, withAdminClient } from '#tests/setup/test-database.ts'

// Runs on real SQLite always, and on PostgreSQL too when TEST_DATABASE_URL is set. Each test
// makes its own table in a database this file creates and drops.

const oldKey: EncryptionKey = { id: 'old', key: randomBytes(32) }
const newKey: EncryptionKey = { id: 'new', key: randomBytes(32) }
const strayKey: EncryptionKey = { id: 'stray', key: randomBytes(32) }
const rotated = [newKey, oldKey]

type Target = { kind: 'sqlite' | 'postgresql'; url: string; db: Db }
const targets = new Map<Target['kind'], Target>()
const kinds: Array<Target['kind']> = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgresql'] : ['sqlite']
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-crypto-'))
const postgresName = `switchboard_crypto_${process.pid}_${randomBytes(4).toString('hex')}`

beforeAll(async () => {
  for (const kind of kinds) {
    let url = `file:${path.join(tmpDir, 'x.db')}`
    if (kind === 'postgresql') {
      await withAdminClient((client) => client.query(`CREATE DATABASE "${postgresName}"`))
      url = postgresUrlFor(postgresName)
    }
    targets.set(kind, { kind, url, db: createDb(url) })
  }
})

afterAll(async () => {
  for (const target of targets.values()) await target.db.$disconnect()
  if (targets.has('postgresql')) {
    await withAdminClient((client) => dropPostgresDatabase(client, postgresName))
  }
  fs.rmSync(tmpDir, { recursive: true, force: true })
})

function target(kind: Target['kind']): Target {
  const found = targets.get(kind)
  if (!found) throw new Error(`No ${kind} database`)
  return found
}

let tableCount = 0
/** A fresh `"Secret_N"("id", "token")` table; returns it as a registry entry. */
async function createTable({ db }: Target, idType = 'TEXT'): Promise<EncryptedColumn> {
  const table = `Secret_${++tableCount}`
  await db.$executeRawUnsafe(`CREATE TABLE "${table}" ("id" ${idType} PRIMARY KEY, "token" TEXT)`)
  return { table, idColumn: 'id', column: 'token' }
}

function p(kind: Target['kind'], position: number): string {
  return kind === 'postgresql' ? `$${position}` : '?'
}

/** The SecretContext of one row of a registered column. */
function contextOf(column: EncryptedColumn, rowId: string | number): SecretContext {
  return { table: column.table, column: column.column, rowId: String(rowId) }
}

async function insert({ db, kind }: Target, column: EncryptedColumn, id: string | number, token: string | null) {
  const sql = `INSERT INTO "${column.table}" ("id", "token") VALUES (${p(kind, 1)}, ${p(kind, 2)})`
  await db.$executeRawUnsafe(sql, id, token)
}

async function setToken({ db, kind }: Target, column: EncryptedColumn, id: string, token: string) {
  const sql = `UPDATE "${column.table}" SET "token" = ${p(kind, 1)} WHERE "id" = ${p(kind, 2)}`
  await db.$executeRawUnsafe(sql, token, id)
}

/** Encrypts for this row and stores it. */
async function insertSecret(
  t: Target,
  column: EncryptedColumn,
  id: string | number,
  secret: string,
  keys: EncryptionKey[],
) {
  await insert(t, column, id, encryptSecret(secret, contextOf(column, id), keys))
}

const StoredSchema = z.array(z.object({ id: z.union([z.string(), z.number()]), token: z.string().nullable() }))
async function readAll({ db }: Target, column: EncryptedColumn): Promise<Map<string, string | null>> {
  const rows = StoredSchema.parse(await db.$queryRawUnsafe(`SELECT "id", "token" FROM "${column.table}" ORDER BY "id"`))
  return new Map(rows.map((row) => [String(row.id), row.token]))
}

function decryptStored(
  column: EncryptedColumn,
  rowId: string,
  stored: string | null | undefined,
  keys: EncryptionKey[],
) {
  return decryptSecret(stored ?? '', contextOf(column, rowId), keys)
}

for (const kind of kinds) {
  test(`${kind}: reencryptAll moves every value onto the current key, batch by batch`, async () => {
    const t = target(kind)
    const column = await createTable(t)
    const plaintexts = new Map([
      ['a', 'gho_first'],
      ['b', ''],
      ['c', 'ключ 🔑'],
      ['d', 'gho_fourth'],
      ['e', 'gho_fifth'],
    ])
    for (const [id, plaintext] of plaintexts) await insertSecret(t, column, id, plaintext, [oldKey])
    await insertSecret(t, column, 'f', 'already-new', rotated)
    await insert(t, column, 'g', null)
    const before = await readAll(t, column)

    const summary = await reencryptAll(t.db, t.url, { columns: [column], keys: rotated, batchSize: 2 })

    expect(summary).toEqual({ scanned: 6, reencrypted: 5, conflicts: 0, failed: [] })
    const after = await readAll(t, column)
    expect(after.get('f')).toBe(before.get('f'))
    expect(after.get('g')).toBeNull()
    for (const [id, plaintext] of plaintexts) {
      expect(keyIdOf(after.get(id) ?? '')).toBe('new')
      // The old key is no longer needed for any row.
      expect(decryptStored(column, id, after.get(id), [newKey])).toEqual({ ok: true, value: plaintext })
    }
  })

  test(`${kind}: a second reencryptAll run changes nothing`, async () => {
    const t = target(kind)
    const column = await createTable(t)
    for (const id of ['a', 'b', 'c']) await insertSecret(t, column, id, `secret-${id}`, [oldKey])

    const first = await reencryptAll(t.db, t.url, { columns: [column], keys: rotated, batchSize: 2 })
    const afterFirst = await readAll(t, column)
    const second = await reencryptAll(t.db, t.url, { columns: [column], keys: rotated, batchSize: 2 })

    expect(first.reencrypted).toBe(3)
    expect(second).toEqual({ scanned: 3, reencrypted: 0, conflicts: 0, failed: [] })
    expect(await readAll(t, column)).toEqual(afterFirst)
  })

  test(`${kind}: rows that do not decrypt are reported by id and reason and left unchanged`, async () => {
    const t = target(kind)
    const column = await createTable(t)
    await insertSecret(t, column, 'a-good', 'gho_good', [oldKey])
    await insert(t, column, 'b-plain', 'gho_not_encrypted')
    await insertSecret(t, column, 'c-stray', 'gho_stray', [strayKey])
    // A ciphertext copied from another row: its associated data names row a-good.
    await insert(t, column, 'd-copied', encryptSecret('gho_copied', contextOf(column, 'a-good'), [oldKey]))
    await insert(t, column, 'e-empty', '')
    // On the current key but bound to another row: the run checks integrity even when no rewrite is due.
    await insert(t, column, 'f-current-copied', encryptSecret('gho_x', contextOf(column, 'a-good'), rotated))
    await insertSecret(t, column, 'g-good', 'gho_last', [oldKey])
    const before = await readAll(t, column)

    const summary = await reencryptAll(t.db, t.url, { columns: [column], keys: rotated, batchSize: 2 })

    const where = { table: column.table, column: column.column }
    expect(summary).toEqual({
      scanned: 7,
      reencrypted: 2,
      conflicts: 0,
      failed: [
        { ...where, rowId: 'b-plain', reason: 'malformed' },
        { ...where, rowId: 'c-stray', reason: 'unknown_key' },
        { ...where, rowId: 'd-copied', reason: 'tampered' },
        { ...where, rowId: 'e-empty', reason: 'malformed' },
        { ...where, rowId: 'f-current-copied', reason: 'tampered' },
      ],
    })
    expect(JSON.stringify(summary)).not.toMatch(/gho_|v1\./)
    const after = await readAll(t, column)
    for (const id of ['b-plain', 'c-stray', 'd-copied', 'e-empty', 'f-current-copied']) {
      expect(after.get(id)).toBe(before.get(id))
    }
    expect(decryptStored(column, 'a-good', after.get('a-good'), [newKey])).toEqual({ ok: true, value: 'gho_good' })
    expect(decryptStored(column, 'g-good', after.get('g-good'), [newKey])).toEqual({ ok: true, value: 'gho_last' })
  })

  test(`${kind}: a value changed between read and write is not overwritten`, async () => {
    const t = target(kind)
    const column = await createTable(t)
    const context = contextOf(column, 'a')
    const stale = encryptSecret('gho_stale', context, [oldKey])
    await insert(t, column, 'a', stale)
    // Another writer (say, a process still running with the old key) replaces the token.
    const concurrent = encryptSecret('gho_fresh', context, [oldKey])
    await setToken(t, column, 'a', concurrent)

    const outcome = await reencryptValue(t.db, t.url, column, { id: 'a', value: stale }, rotated)

    expect(outcome).toEqual({ status: 'conflict' })
    expect((await readAll(t, column)).get('a')).toBe(concurrent)
    // The same step with the value actually stored does write.
    expect(await reencryptValue(t.db, t.url, column, { id: 'a', value: concurrent }, rotated)).toEqual({
      status: 'reencrypted',
    })
    const stored = (await readAll(t, column)).get('a')
    expect(keyIdOf(stored ?? '')).toBe('new')
    expect(decryptStored(column, 'a', stored, [newKey])).toEqual({ ok: true, value: 'gho_fresh' })
  })

  test(`${kind}: tables with integer ids are paged and bound by their id`, async () => {
    const t = target(kind)
    const column = await createTable(t, 'INTEGER')
    for (const id of [1, 2, 10, 11, 100]) await insertSecret(t, column, id, `secret-${id}`, [oldKey])

    const summary = await reencryptAll(t.db, t.url, { columns: [column], keys: rotated, batchSize: 2 })

    expect(summary).toEqual({ scanned: 5, reencrypted: 5, conflicts: 0, failed: [] })
    for (const [id, value] of await readAll(t, column)) {
      expect(decryptStored(column, id, value, [newKey])).toEqual({ ok: true, value: `secret-${id}` })
    }
  })

  test(`${kind}: reencryptAll rejects identifiers that are not plain names before changing any row`, async () => {
    const t = target(kind)
    const column = await createTable(t)
    await insertSecret(t, column, 'a', 'gho_a', [oldKey])
    const before = await readAll(t, column)
    const hostile: EncryptedColumn[] = [
      { ...column, table: `${column.table}" SET "token" = NULL; --` },
      { ...column, idColumn: 'id"' },
      { ...column, column: 'token token' },
      { ...column, column: '1token' },
    ]

    for (const bad of hostile) {
      await expect(reencryptAll(t.db, t.url, { columns: [column, bad], keys: rotated })).rejects.toThrow(
        /Not a plain SQL identifier/,
      )
    }
    expect(await readAll(t, column)).toEqual(before)
  })
}
