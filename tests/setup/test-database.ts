import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'

/** Where the test databases live; each Vitest worker gets its own copy of a migrated template. */
// TEST_RUN_ID keeps two concurrent runs on one machine (e.g. two engineers' terminals) apart.
const RUN_ID = (process.env.TEST_RUN_ID ?? '').replace(/[^a-z0-9]/gi, '').slice(0, 16)
export const TEST_TMP_DIR = path.resolve(RUN_ID ? `tests/.tmp/run-${RUN_ID}` : 'tests/.tmp')
export const SQLITE_TEMPLATE = path.join(TEST_TMP_DIR, 'template.db')
export const POSTGRES_TEMPLATE_DB = `switchboard_test_template${RUN_ID ? `_${RUN_ID}` : ''}`

/** The TEST_DATABASE_URL with another database name. */
export function postgresUrlFor(database: string): string {
  const base = process.env.TEST_DATABASE_URL
  if (!base) throw new Error('TEST_DATABASE_URL is not set')
  const url = new URL(base)
  url.pathname = `/${database}`
  return url.toString()
}

/** Runs one statement on the server's maintenance connection (the TEST_DATABASE_URL database). */
export async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** PostgreSQL's "insufficient_privilege", which DROP DATABASE … WITH (FORCE) raises for an autovacuum worker. */
const INSUFFICIENT_PRIVILEGE = '42501'

/**
 * Drops a test database, ending its connections. A non-superuser's FORCE cannot end an autovacuum worker
 * that happens to be in a freshly written database ("must be a member of the role whose process is being
 * terminated"); the worker is gone within moments, so that one error is tried again a few times.
 */
export async function dropPostgresDatabase(client: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      return
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? error.code : undefined
      if (code !== INSUFFICIENT_PRIVILEGE || attempt >= 20) throw error
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

export async function recreatePostgresDatabase(name: string, template?: string): Promise<void> {
  await withAdminClient(async (client) => {
    await dropPostgresDatabase(client, name)
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`)
  })
}

/** A fresh database for this worker, copied from the migrated template. Returns its URL. */
export async function createWorkerDatabase(kind: 'sqlite' | 'postgresql', workerId: string): Promise<string> {
  if (kind === 'postgresql') {
    const name = `switchboard_test${RUN_ID ? `_${RUN_ID}` : ''}_w${workerId}`
    await recreatePostgresDatabase(name, POSTGRES_TEMPLATE_DB)
    return postgresUrlFor(name)
  }
  const file = path.join(TEST_TMP_DIR, `worker-${workerId}.db`)
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true })
  fs.copyFileSync(SQLITE_TEMPLATE, file)
  return `file:${file}`
}
