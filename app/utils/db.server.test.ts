import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import type { ArgType, SqlDriverAdapter } from '@prisma/driver-adapter-utils'
import { afterEach, expect, test } from 'vitest'
import { reusePreparedStatements } from '#app/utils/db.server.ts'

const opened: SqlDriverAdapter[] = []
afterEach(async () => {
  for (const adapter of opened.splice(0)) await adapter.dispose()
})

/** A real better-sqlite3 adapter on a fresh file, its `prepare` counted, then given the statement cache. */
async function countingAdapter() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-statements-'))
  const adapter = await new PrismaBetterSqlite3({ url: `file:${path.join(dir, 'test.db')}` }).connect()
  opened.push(adapter)
  const db = Reflect.get(adapter, 'client') as { prepare: (sql: string) => unknown }
  const counts = new Map<string, number>()
  const prepare = db.prepare.bind(db)
  db.prepare = (sql: string) => {
    counts.set(sql, (counts.get(sql) ?? 0) + 1)
    return prepare(sql)
  }
  await adapter.executeScript('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)')
  return { adapter, counts, installed: reusePreparedStatements(adapter) }
}

const int: ArgType = { scalarType: 'int', arity: 'scalar' }
const text: ArgType = { scalarType: 'string', arity: 'scalar' }
const select = { sql: 'SELECT name FROM item WHERE id = ?', argTypes: [int] }
const insert = { sql: 'INSERT INTO item (id, name) VALUES (?, ?)', argTypes: [int, text] }

test('a statement is prepared once per connection and runs with each call’s own arguments', async () => {
  const { adapter, counts, installed } = await countingAdapter()
  // Where Prisma keeps the connection is an internal: if it moves, this fails instead of the cache quietly going.
  expect(installed).toBe(true)
  for (const [id, name] of [[1, 'one'], [2, 'two'], [3, 'three']] as const) await adapter.executeRaw({ ...insert, args: [id, name] })
  for (const [id, name] of [[2, 'two'], [1, 'one'], [3, 'three'], [9, undefined]] as const) {
    const result = await adapter.queryRaw({ ...select, args: [id] })
    expect(result.columnNames).toEqual(['name'])
    expect(result.rows.map((row) => row[0])).toEqual(name === undefined ? [] : [name])
  }
  expect(counts.get(insert.sql)).toBe(1)
  expect(counts.get(select.sql)).toBe(1)
})

test('a failed statement leaves its prepared statement usable, and transactions still commit and roll back', async () => {
  const { adapter } = await countingAdapter()
  await adapter.executeRaw({ ...insert, args: [1, 'one'] })
  await expect(adapter.executeRaw({ ...insert, args: [2, 'one'] })).rejects.toThrow()
  await adapter.executeRaw({ ...insert, args: [2, 'two'] })

  const kept = await adapter.startTransaction()
  await kept.executeRaw({ ...insert, args: [3, 'three'] })
  await kept.commit()
  await adapter.executeRaw({ sql: 'COMMIT', args: [], argTypes: [] })
  const dropped = await adapter.startTransaction()
  await dropped.executeRaw({ ...insert, args: [4, 'four'] })
  await dropped.executeRaw({ sql: 'ROLLBACK', args: [], argTypes: [] })
  await dropped.rollback()

  const names = await adapter.queryRaw({ sql: 'SELECT name FROM item ORDER BY id', args: [], argTypes: [] })
  expect(names.rows.map((row) => row[0])).toEqual(['one', 'two', 'three'])
})
