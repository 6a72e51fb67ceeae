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

export async function recreatePostgresDatabase(name: string, template?: string): Promise<void> {
  await withAdminClient(async (client) => {
    // An autovacuum worker may be visiting the database: FORCE cannot end it without superuser
    // rights (42501), and it is gone within moments, so try again a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        break
      } catch (error) {
        if (attempt >= 30 || (error as { code?: string }).code !== '42501') throw error
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
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
