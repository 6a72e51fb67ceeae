import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { onTestFinished } from 'vitest'
import { dropPostgresDatabase, postgresUrlFor, withAdminClient } from '#tests/setup/test-database.ts'

export const hasPostgres = Boolean(process.env.TEST_DATABASE_URL)

/** A temporary folder, removed when the current test finishes. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-tooling-'))
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A `file:` URL for a SQLite database that does not exist yet (its folder neither). */
export function freshSqliteUrl(): string {
  return `file:${path.join(tempDir(), 'nested', 'tooling.db')}`
}

/** A new, empty PostgreSQL database (switchboard_tooling_*), dropped when the current test finishes. */
export async function freshPostgresUrl(): Promise<string> {
  const name = `switchboard_tooling_${randomBytes(6).toString('hex')}`
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`))
  onTestFinished(async () => {
    await withAdminClient((client) => dropPostgresDatabase(client, name))
  })
  return postgresUrlFor(name)
}

export function freshDatabaseUrl(provider: 'sqlite' | 'postgresql'): Promise<string> {
  return provider === 'sqlite' ? Promise.resolve(freshSqliteUrl()) : freshPostgresUrl()
}

/** The committed migration folders of one provider, in the order they apply. */
export function committedMigrations(provider: 'sqlite' | 'postgresql'): string[] {
  const dir = path.join('prisma', 'migrations', provider)
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b))
}

/** Writes a migrations folder (with its lock file) from `{ folderName: sql }`; returns its path. */
export function writeMigrations(provider: 'sqlite' | 'postgresql', migrations: Record<string, string>): string {
  const dir = path.join(tempDir(), 'migrations')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'migration_lock.toml'), `provider = "${provider}"\n`)
  for (const [name, sql] of Object.entries(migrations)) {
    fs.mkdirSync(path.join(dir, name))
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql)
  }
  return dir
}

/** Runs one SQL statement on either kind of database and returns its rows. */
export async function query(url: string, sql: string): Promise<unknown[]> {
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length))
    try {
      const statement = db.prepare(sql)
      if (statement.reader) return statement.all()
      statement.run()
      return []
    } finally {
      db.close()
    }
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}
