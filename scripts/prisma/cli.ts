// Shared by the migration scripts: run the Prisma CLI (through the offline schema-engine shim
// that .config/prisma.ts names) for one provider of the two-provider layout.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROVIDERS = ['sqlite', 'postgresql'] as const
export type Provider = (typeof PROVIDERS)[number]

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const PRISMA_BIN = createRequire(import.meta.url).resolve('prisma/build/index.js')

export const schemaDir = (provider: Provider) => path.join(ROOT, 'prisma', provider)
export const migrationsDir = (provider: Provider) => path.join(ROOT, 'prisma', 'migrations', provider)

/**
 * The database `migrate diff --from-migrations` runs against: .config/prisma.ts picks the
 * provider from its scheme, and the engine replays the migrations into a throw-away shadow
 * database next to it. SQLite needs no file. PostgreSQL needs an existing database on a server
 * where the role has CREATEDB: SHADOW_DATABASE_URL, else TEST_DATABASE_URL. Its contents are
 * never touched; temporary `prisma_migrate_shadow_db_*` databases are created beside it and dropped.
 */
export function diffDatabaseUrl(provider: Provider): string | undefined {
  if (provider === 'sqlite') return 'file::memory:'
  return process.env.SHADOW_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined
}

export const MISSING_POSTGRES_MESSAGE =
  'PostgreSQL migrations need a PostgreSQL server to replay them on. Set SHADOW_DATABASE_URL (or ' +
  'TEST_DATABASE_URL) to an existing database whose role may CREATE DATABASE, for example\n' +
  '  SHADOW_DATABASE_URL=postgresql://switchboard:switchboard@127.0.0.1:5432/switchboard_test'

type PrismaResult = { status: number; stdout: string; stderr: string }

/** Runs `prisma <args>` with DATABASE_URL set; resolves (never rejects) with its exit status. */
export function runPrisma(args: string[], databaseUrl: string): Promise<PrismaResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PRISMA_BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', (error) => resolve({ status: 1, stdout, stderr: stderr + String(error) }))
    child.on('close', (status) => resolve({ status: status ?? 1, stdout, stderr }))
  })
}

function hasMigrations(provider: Provider): boolean {
  const dir = migrationsDir(provider)
  return fs.existsSync(dir) && fs.readdirSync(dir, { withFileTypes: true }).some((entry) => entry.isDirectory())
}

/** `migrate diff` from the committed migrations to the schema: the SQL of the next migration. */
export function diffMigrationsToSchema(provider: Provider, databaseUrl: string, mode: '--script' | '--exit-code') {
  // NOTE: the engine refuses --from-migrations without migration_lock.toml, which only exists once
  // the first migration does; an empty history is the empty schema.
  const from = hasMigrations(provider) ? ['--from-migrations', migrationsDir(provider)] : ['--from-empty']
  return runPrisma(['migrate', 'diff', ...from, '--to-schema', schemaDir(provider), mode], databaseUrl)
}
