// SQLite side of the shim: adapter factory with the workarounds the wasm engine needs.
import fs from 'node:fs'
import path from 'node:path'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import Database from 'better-sqlite3'

/** Prisma's own DDL for its history table on SQLite (prisma-engines, sql-migration-connector). */
export const SQLITE_MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);`

/**
 * An unbound, migration-aware factory (bind it with bindMigrationAwareSqlAdapterFactory) that
 * remembers its connections so `reset` can close them before deleting the file.
 */
export function createSqliteFactory(target) {
  const inner = new PrismaBetterSqlite3({ url: `file:${target.file}` })
  const open = new Set()
  const track = (adapter, isShadow) => {
    patchMultiStatementExecuteRaw(adapter)
    if (!isShadow) open.add(adapter)
    const dispose = adapter.dispose.bind(adapter)
    adapter.dispose = async () => {
      open.delete(adapter)
      await dispose()
    }
    return adapter
  }
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => {
      if (target.file !== ':memory:') fs.mkdirSync(path.dirname(target.file), { recursive: true })
      return track(await inner.connect(), false)
    },
    // The shadow database is a private in-memory database, as with the native engine.
    connectToShadowDb: async () => track(await inner.connectToShadowDb(), true),
    /** The open main-database connections (the engine keeps one). */
    openAdapters: () => [...open],
    closeAll: async () => {
      for (const adapter of [...open]) await adapter.dispose()
    },
  }
}

/**
 * NOTE: gap 2 (docs/decisions/003-prisma-offline.md): the engine replays migrations into the
 * shadow database with `executeRaw`, and better-sqlite3's prepare() refuses a string with more
 * than one statement (RangeError). A parameterless multi-statement string is a script: run it as
 * one.
 */
function patchMultiStatementExecuteRaw(adapter) {
  const executeRaw = adapter.executeRaw.bind(adapter)
  adapter.executeRaw = async (query) => {
    try {
      return await executeRaw(query)
    } catch (error) {
      if (error instanceof RangeError && /more than one statement/.test(error.message) && query.args.length === 0) {
        await adapter.executeScript(query.sql)
        return 0
      }
      throw error
    }
  }
}

/** Removes the database file and its companions (gap 3: the wasm `reset` only empties tables). */
export function deleteSqliteFiles(file) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true })
}

export function sqliteExists(file) {
  return file === ':memory:' || fs.existsSync(file)
}

/** Creates an empty database file (and its folder). */
export function createSqliteFile(file) {
  if (file === ':memory:') return
  fs.mkdirSync(path.dirname(file), { recursive: true })
  new Database(file).close()
}
