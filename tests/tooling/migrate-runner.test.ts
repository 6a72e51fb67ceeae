import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { expect, test } from 'vitest'
import { z } from 'zod'
import { MigrationError, migrateDatabase } from '#app/utils/migrate.server.ts'
import {
  committedMigrations,
  freshDatabaseUrl,
  freshPostgresUrl,
  freshSqliteUrl,
  hasPostgres,
  query,
  writeMigrations,
} from '#tests/tooling/support/databases.ts'

const CLI_TIMEOUT_MS = 60_000
const PROVIDERS = ['sqlite', 'postgresql'] as const

const MigrationRowSchema = z.object({
  id: z.string(),
  checksum: z.string(),
  migration_name: z.string(),
  finished_at: z.unknown(),
  rolled_back_at: z.unknown(),
  logs: z.string().nullable(),
  applied_steps_count: z.coerce.number(),
})

async function migrationRows(url: string) {
  const rows = await query(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name, started_at')
  return z.array(MigrationRowSchema).parse(rows)
}

async function tableNames(url: string): Promise<string[]> {
  const sql = url.startsWith('file:')
    ? `SELECT name FROM sqlite_master WHERE type = 'table'`
    : `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`
  return z
    .array(z.object({ name: z.string() }))
    .parse(await query(url, sql))
    .map((row) => row.name)
}

for (const provider of PROVIDERS) {
  const providerTest = test.skipIf(provider === 'postgresql' && !hasPostgres)

  providerTest(`${provider}: the runner applies each committed migration once and records it as Prisma does`, async () => {
    const url = await freshDatabaseUrl(provider)
    const committed = committedMigrations(provider)
    expect(committed.length).toBeGreaterThan(0)

    expect((await migrateDatabase(url)).applied).toEqual(committed)
    expect((await migrateDatabase(url)).applied).toEqual([])

    const rows = await migrationRows(url)
    expect(rows.map((row) => row.migration_name)).toEqual(committed)
    for (const row of rows) {
      const sql = fs.readFileSync(path.join('prisma', 'migrations', provider, row.migration_name, 'migration.sql'))
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'))
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(row.finished_at).not.toBeNull()
      expect(row.rolled_back_at).toBeNull()
      expect(row.applied_steps_count).toBe(1)
    }
    expect(await tableNames(url)).toEqual(expect.arrayContaining(['User', 'Session', 'Workspace', 'Membership']))
  })

  providerTest(`${provider}: a failing migration is undone, recorded, and blocks later runs until resolved`, async () => {
    const url = await freshDatabaseUrl(provider)
    const migrationsDir = writeMigrations(provider, {
      '001_init': 'CREATE TABLE "Note" ("id" INTEGER PRIMARY KEY);\n',
      '002_broken': 'CREATE TABLE "Half" ("id" INTEGER);\nINSERT INTO "Missing" VALUES (1);\n',
      '003_after': 'CREATE TABLE "After" ("id" INTEGER);\n',
    })

    const failure = await migrateDatabase(url, { migrationsDir }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MigrationError)
    expect(failure).toMatchObject({ migrationName: '002_broken', message: expect.stringMatching(/Missing/) })
    // Nothing of the failed script stays behind, and nothing after it ran.
    expect(await tableNames(url)).toContain('Note')
    expect(await tableNames(url)).not.toContain('Half')
    expect(await tableNames(url)).not.toContain('After')
    const failedRow = (await migrationRows(url)).find((row) => row.migration_name === '002_broken')
    expect(failedRow).toMatchObject({ finished_at: null, rolled_back_at: null, logs: expect.stringMatching(/Missing/) })

    await expect(migrateDatabase(url, { migrationsDir })).rejects.toThrow(/002_broken failed in an earlier run/)
    expect(await tableNames(url)).not.toContain('After')

    // What `prisma migrate resolve --rolled-back 002_broken` does, after fixing the script.
    fs.writeFileSync(path.join(migrationsDir, '002_broken', 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER);\n')
    await query(url, `UPDATE "_prisma_migrations" SET rolled_back_at = CURRENT_TIMESTAMP WHERE migration_name = '002_broken'`)
    expect((await migrateDatabase(url, { migrationsDir })).applied).toEqual(['002_broken', '003_after'])
    expect(await tableNames(url)).toEqual(expect.arrayContaining(['Half', 'After']))
  })
}

const PARENT_CHILD_SQL = `CREATE TABLE "Parent" ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL);
CREATE TABLE "Child" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "parentId" TEXT NOT NULL,
    CONSTRAINT "Child_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Parent" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
`

// What `prisma migrate dev` writes for SQLite when a column is added in the middle of a table.
const REDEFINE_PARENT_SQL = `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Parent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "slug" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL
);
INSERT INTO "new_Parent" ("id", "name") SELECT "id", "name" FROM "Parent";
DROP TABLE "Parent";
ALTER TABLE "new_Parent" RENAME TO "Parent";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`

async function sqliteWithParentAndChild() {
  const url = freshSqliteUrl()
  const migrationsDir = writeMigrations('sqlite', { '001_parent_child': PARENT_CHILD_SQL })
  await migrateDatabase(url, { migrationsDir })
  await query(url, `INSERT INTO "Parent" ("id", "name") VALUES ('p1', 'parent')`)
  await query(url, `INSERT INTO "Child" ("id", "parentId") VALUES ('c1', 'p1')`)
  return { url, file: url.slice('file:'.length), migrationsDir }
}

function addMigration(migrationsDir: string, name: string, sql: string) {
  fs.mkdirSync(path.join(migrationsDir, name))
  fs.writeFileSync(path.join(migrationsDir, name, 'migration.sql'), sql)
}

test('sqlite: a table-redefinition migration keeps the child rows of the redefined parent', async () => {
  const { url, file, migrationsDir } = await sqliteWithParentAndChild()

  // The trap this guards against: the naive BEGIN; script; COMMIT cascades the DROP TABLE.
  const naiveCopy = `${file}.naive`
  fs.copyFileSync(file, naiveCopy)
  const naive = new Database(naiveCopy)
  naive.exec('BEGIN')
  naive.exec(REDEFINE_PARENT_SQL)
  naive.exec('COMMIT')
  expect(naive.prepare('SELECT COUNT(*) AS n FROM "Child"').get()).toEqual({ n: 0 })
  naive.close()

  addMigration(migrationsDir, '002_redefine_parent', REDEFINE_PARENT_SQL)
  expect((await migrateDatabase(url, { migrationsDir })).applied).toEqual(['002_redefine_parent'])
  expect(await query(url, 'SELECT "id", "parentId" FROM "Child"')).toEqual([{ id: 'c1', parentId: 'p1' }])
  expect(await query(url, 'SELECT "id", "slug", "name" FROM "Parent"')).toEqual([{ id: 'p1', slug: '', name: 'parent' }])
  expect(await query(url, 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }])
})

test('sqlite: a migration that leaves a dangling foreign key is rolled back and reported', async () => {
  const { url, migrationsDir } = await sqliteWithParentAndChild()
  addMigration(migrationsDir, '002_orphan_children', 'PRAGMA foreign_keys=OFF;\nDELETE FROM "Parent";\n')

  await expect(migrateDatabase(url, { migrationsDir })).rejects.toThrow(/002_orphan_children.*foreign key/)
  expect(await query(url, 'SELECT "id" FROM "Parent"')).toEqual([{ id: 'p1' }])
})

test.skipIf(!hasPostgres)(
  'postgresql: two runners starting together on a fresh database both succeed and apply each migration once',
  async () => {
    const url = await freshPostgresUrl()
    const committed = committedMigrations('postgresql')
    const results = await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)])
    const appliedLists = results.map((result) => result.applied).sort((a, b) => b.length - a.length)
    expect(appliedLists).toEqual([committed, [], []])
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual(committed)
  },
)

test(
  'sqlite: db:migrate applies the committed migrations to DATABASE_URL, also with two processes at once',
  async () => {
    const url = freshSqliteUrl()
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/db-migrate.ts'], {
        env: { ...process.env, DATABASE_URL: url },
      })
    // execFile rejects on a non-zero exit, so both processes succeeded.
    await Promise.all([run(), run()])
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual(committedMigrations('sqlite'))
  },
  CLI_TIMEOUT_MS,
)

test.skipIf(!hasPostgres)(
  'postgresql: two app processes starting together on a fresh database migrate it once (advisory lock)',
  async () => {
    const url = await freshPostgresUrl()
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/db-migrate.ts'], {
        env: { ...process.env, DATABASE_URL: url },
      })
    await Promise.all([run(), run()])
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual(committedMigrations('postgresql'))
  },
  CLI_TIMEOUT_MS,
)
