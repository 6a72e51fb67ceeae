import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { z } from 'zod'

/**
 * Applies the committed migrations (prisma/migrations/<provider>/*\/migration.sql) at start-up and
 * in tests, without Prisma's CLI. It keeps Prisma's `_prisma_migrations` table exactly as Prisma
 * does, so `prisma migrate status/deploy` and this runner agree about what is applied
 * (docs/decisions/003-prisma-offline.md, path A of the offline note).
 */

export type MigrateOptions = {
  log?: (message: string) => void
  /** Defaults to `<cwd>/prisma/migrations/<provider>`. */
  migrationsDir?: string
}

export type MigrateResult = { applied: string[] }

/** A migration failed now or in an earlier run; later migrations stay blocked until it is resolved. */
export class MigrationError extends Error {
  override name = 'MigrationError'
  constructor(
    readonly migrationName: string,
    message: string,
  ) {
    super(message)
  }
}

/** The key Prisma Migrate locks on PostgreSQL; sharing it serialises us with `prisma migrate`. */
const PRISMA_ADVISORY_LOCK_ID = 72707369
const SQLITE_BUSY_TIMEOUT_MS = 15_000

// Prisma's own DDL for its history table (prisma-engines, sql-migration-connector), per dialect.
const SQLITE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`
const POSTGRES_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`

type Provider = 'sqlite' | 'postgresql'
type Migration = { name: string; sql: string; checksum: string }

const MigrationRowSchema = z.object({
  migration_name: z.string(),
  checksum: z.string(),
  finished_at: z.unknown(),
  rolled_back_at: z.unknown(),
  logs: z.string().nullable(),
})
type MigrationRow = z.infer<typeof MigrationRowSchema>

/**
 * Applies every migration of `prisma/migrations/<provider>/` not yet applied to the database at
 * `url` (`file:` or `postgres(ql)://`), in folder-name order, and returns the names it applied.
 * Safe to run from several processes at once. Throws MigrationError when a migration fails or
 * an earlier failure is unresolved, and Error when the migrations folder is unusable.
 */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const provider: Provider = /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : 'sqlite'
  const dir = path.resolve(options.migrationsDir ?? path.join(process.cwd(), 'prisma', 'migrations', provider))
  const migrations = readMigrations(dir, provider)
  const log = options.log ?? (() => {})
  if (provider === 'postgresql') return migratePostgres(url, migrations, log)
  if (!url.startsWith('file:')) throw new Error('DATABASE_URL must start with file: or postgresql://')
  return migrateSqlite(sqliteFile(url), migrations, log)
}

function readMigrations(dir: string, provider: Provider): Migration[] {
  if (!fs.existsSync(dir)) throw new Error(`No migrations folder at ${dir}`)
  const lock = path.join(dir, 'migration_lock.toml')
  if (fs.existsSync(lock)) {
    const locked = /provider\s*=\s*"([^"]+)"/.exec(fs.readFileSync(lock, 'utf8'))?.[1]
    if (locked && locked !== provider) throw new Error(`${dir} holds ${locked} migrations, not ${provider} ones`)
  }
  return (
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      // The same order as Prisma's CLI (localeCompare on the folder names).
      .sort((a, b) => a.localeCompare(b))
      .map((name) => {
        const file = path.join(dir, name, 'migration.sql')
        if (!fs.existsSync(file)) throw new Error(`Migration folder ${name} has no migration.sql`)
        const bytes = fs.readFileSync(file)
        // Prisma's checksum: SHA-256 of the file's raw bytes (hence `*.sql text eol=lf`).
        return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') }
      })
  )
}

function sqliteFile(url: string): string {
  const rest = url.slice('file:'.length).split('?')[0] ?? ''
  return rest === '' || rest === ':memory:' ? ':memory:' : path.resolve(rest)
}

/** Throws for a migration that failed before ("applied" = finished and not rolled back). */
function planMigrations(migrations: Migration[], rows: MigrationRow[], log: (message: string) => void): Migration[] {
  const failed = rows.find((row) => row.finished_at == null && row.rolled_back_at == null)
  if (failed) {
    throw new MigrationError(
      failed.migration_name,
      `Migration ${failed.migration_name} failed in an earlier run, so no later migration is applied. ` +
        `Repair the database, then mark it with \`npx prisma migrate resolve --rolled-back ${failed.migration_name}\` ` +
        `(or \`--applied\`). Its log: ${failed.logs ?? '(none)'}`,
    )
  }
  const applied = new Map(
    rows.filter((row) => row.finished_at != null && row.rolled_back_at == null).map((row) => [row.migration_name, row]),
  )
  for (const migration of migrations) {
    const row = applied.get(migration.name)
    if (row && row.checksum !== migration.checksum) {
      log(`Migration ${migration.name} was edited after it was applied (checksum differs); it is not re-applied`)
    }
  }
  return migrations.filter((migration) => !applied.has(migration.name))
}

function failureMessage(name: string, error: unknown): string {
  return `Migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`
}

/** ISO 8601 with an explicit offset: what Prisma's SQLite adapter writes for DateTime. */
function sqliteNow(): string {
  return new Date().toISOString().replace('Z', '+00:00')
}

function migrateSqlite(file: string, migrations: Migration[], log: (message: string) => void): MigrateResult {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true })
  const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS })
  const readRows = () => z.array(MigrationRowSchema).parse(db.prepare('SELECT * FROM "_prisma_migrations"').all())
  try {
    db.pragma('journal_mode = WAL')
    db.exec(SQLITE_MIGRATIONS_TABLE)
    const applied: string[] = []
    for (const migration of migrations) {
      // NOTE: better-sqlite3 opens with foreign_keys=ON, and `PRAGMA foreign_keys=OFF` inside
      // Prisma's table-redefinition scripts is a no-op within a transaction: the DROP TABLE
      // would fire ON DELETE CASCADE and delete child rows. Turn it off before BEGIN, check
      // the keys ourselves before COMMIT, then turn it back on.
      db.pragma('foreign_keys = OFF')
      try {
        // IMMEDIATE takes the write lock first, so a second process waits here and then sees
        // the migration as applied.
        db.exec('BEGIN IMMEDIATE')
        if (!planMigrations([migration], readRows(), log).length) {
          db.exec('COMMIT')
          continue
        }
        const id = randomUUID()
        db.prepare(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, 0)',
        ).run(id, migration.checksum, migration.name, sqliteNow())
        try {
          db.exec(migration.sql)
          const violations = db.pragma('foreign_key_check')
          if (Array.isArray(violations) && violations.length > 0) {
            throw new Error(`it leaves ${violations.length} foreign key violation(s): ${JSON.stringify(violations)}`)
          }
        } catch (error) {
          const message = failureMessage(migration.name, error)
          db.exec('ROLLBACK')
          // The schema change rolled back as a whole; record the failure so later runs stop here.
          db.prepare(
            'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 0)',
          ).run(id, migration.checksum, migration.name, message, sqliteNow())
          throw new MigrationError(migration.name, message)
        }
        db.prepare('UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?').run(
          sqliteNow(),
          id,
        )
        db.exec('COMMIT')
        applied.push(migration.name)
        log(`Applied migration ${migration.name}`)
      } finally {
        if (db.inTransaction) db.exec('ROLLBACK')
        db.pragma('foreign_keys = ON')
      }
    }
    return { applied }
  } finally {
    db.close()
  }
}

async function migratePostgres(url: string, migrations: Migration[], log: (message: string) => void): Promise<MigrateResult> {
  const schema = new URL(url).searchParams.get('schema')
  const client = new pg.Client({ connectionString: url })
  // A broken connection also rejects the pending query; without a listener, the same error
  // emitted on an idle client would crash the process instead.
  client.on('error', () => {})
  await client.connect()
  try {
    // Prisma Migrate takes the same lock, so two app instances (or an app and `prisma migrate
    // deploy`) starting together apply each migration once.
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_ID])
    try {
      if (schema) {
        const quoted = `"${schema.replaceAll('"', '""')}"`
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`)
        await client.query(`SET search_path TO ${quoted}`)
      }
      await client.query(POSTGRES_MIGRATIONS_TABLE)
      const { rows } = await client.query('SELECT * FROM "_prisma_migrations"')
      const pending = planMigrations(migrations, z.array(MigrationRowSchema).parse(rows), log)
      const applied: string[] = []
      for (const migration of pending) {
        const id = randomUUID()
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
          [id, migration.checksum, migration.name],
        )
        try {
          // One simple-protocol query: the whole script runs in one implicit transaction, so a
          // failure leaves nothing half-applied and `$$` bodies stay intact (no splitting on ;).
          await client.query(migration.sql)
        } catch (error) {
          const message = failureMessage(migration.name, error)
          await client.query('UPDATE "_prisma_migrations" SET logs = $1 WHERE id = $2', [message, id])
          throw new MigrationError(migration.name, message)
        }
        await client.query(
          'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
          [id],
        )
        applied.push(migration.name)
        log(`Applied migration ${migration.name}`)
      }
      return { applied }
    } finally {
      // If the connection broke, the server already dropped the session's lock; don't let the
      // unlock error hide the original one.
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_ID]).catch(() => {})
    }
  } finally {
    await client.end()
  }
}
