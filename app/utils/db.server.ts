import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import Database, { type Statement } from 'better-sqlite3'
import { PrismaClient as PostgresClient } from '#app/generated/prisma-postgresql/client.ts'
import { PrismaClient as SqliteClient } from '#app/generated/prisma-sqlite/client.ts'
import { z } from 'zod'
import { getEnv } from '#app/utils/env.server.ts'

/**
 * The one Prisma client of this process, on SQLite (`file:` URLs) or PostgreSQL
 * (`postgres(ql)://` URLs). Both generated clients come from the same models, so the
 * SQLite client's type describes either (docs/decisions/002-one-schema-two-providers.md).
 */
export type Db = SqliteClient

export type DatabaseKind = 'sqlite' | 'postgresql'

export function databaseKind(url: string): DatabaseKind {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : 'sqlite'
}

/** Busy timeout for SQLite writers waiting on each other (better-sqlite3 `timeout`). */
const SQLITE_BUSY_TIMEOUT_MS = 5_000

/**
 * NOTE (SQLite): an interactive transaction must write before it reads. A transaction that
 * reads first holds a read snapshot; if another connection writes meanwhile, upgrading to a
 * write lock fails at once with SQLITE_BUSY instead of waiting for the busy timeout.
 *
 * Creates a client for a database URL. Callers own it and must `$disconnect()` it. */
export function createDb(url: string): Db {
  if (databaseKind(url) === 'postgresql') {
    // `?schema=` selects the PostgreSQL schema (the migration runner honours it too).
    const schema = new URL(url).searchParams.get('schema') ?? undefined
    const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: url }, schema ? { schema } : undefined) })
    // NOTE: the two generated clients differ only in provider-specific internals; their model
    // APIs are generated from the same models, so this widening is sound. It is the only cast.
    return client as unknown as Db
  }
  return new SqliteClient({ adapter: new SqliteAdapterFactory({ url, timeout: SQLITE_BUSY_TIMEOUT_MS }) })
}

/**
 * better-sqlite3 connections with `synchronous = NORMAL` (the database is in WAL mode, set by the migration
 * runner): a commit no longer waits for the disk to flush the log (docs/decisions/038-sqlite-synchronous-normal.md).
 * Set on every connection the client opens: the setting is per connection, not stored in the file.
 */
class SqliteAdapterFactory extends PrismaBetterSqlite3 {
  override async connect() {
    const adapter = await super.connect()
    await adapter.executeScript('PRAGMA synchronous = NORMAL')
    reusePreparedStatements(adapter)
    return adapter
  }
}

/** Prepared statements a connection keeps (the least recently used go first): every statement the app runs, and more. */
const MAX_PREPARED_STATEMENTS = 500

/**
 * The adapter prepares every statement anew (`prepare(sql).bind(args)`), and compiling the SQL costs about as much as
 * running it. Here a connection keeps its prepared statements by SQL text and runs them with each call's arguments
 * (ADR 037 addendum). better-sqlite3's `bind` fixes arguments for good, so the adapter is handed a view whose `bind`
 * only remembers them. Statements run synchronously and to the end (`run`, `all`), so one statement never serves two
 * calls at once. If the adapter's connection is not where this expects it, nothing changes.
 */
export function reusePreparedStatements(adapter: object): boolean {
  const db: unknown = Reflect.get(adapter, 'client')
  if (!(db instanceof Database)) return false
  const prepare = db.prepare.bind(db)
  const cache = new Map<string, Statement>()
  const cachedPrepare = (sql: string) => {
    let statement = cache.get(sql)
    if (statement) cache.delete(sql)
    else {
      statement = prepare(sql)
      if (cache.size >= MAX_PREPARED_STATEMENTS) cache.delete(cache.keys().next().value ?? '')
    }
    cache.set(sql, statement)
    return reusableStatement(statement)
  }
  // NOTE: the view has exactly the members the adapter uses (bind, run, reader, columns, raw().all).
  db.prepare = cachedPrepare as unknown as typeof db.prepare
  return true
}

function reusableStatement(statement: Statement) {
  const bound = (args: unknown[]) => ({
    reader: statement.reader,
    run: () => statement.run(args),
    columns: () => statement.columns(),
    raw: () => ({ all: () => statement.raw(true).all(args) }),
  })
  return { reader: statement.reader, bind: (args: unknown[]) => bound(args), run: () => statement.run() }
}

/** Prisma's unique-constraint error (P2002), whichever generated client raised it. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'P2002'
}

const globalForDb = globalThis as typeof globalThis & { __switchboardDb?: Db }

/** The process-wide client (kept across dev-server reloads). */
export function getDb(): Db {
  globalForDb.__switchboardDb ??= createDb(getEnv().DATABASE_URL)
  return globalForDb.__switchboardDb
}

/**
 * Columns of a plain SQL answer ($queryRaw) as both databases give them: SQLite answers booleans as
 * 0/1 and may answer integers as bigints, PostgreSQL as booleans and numbers.
 */
export const SqlBoolean = z.union([z.boolean(), z.number(), z.bigint()]).transform((value) => Boolean(Number(value)))
export const SqlInteger = z.union([z.number(), z.bigint()]).transform(Number)
