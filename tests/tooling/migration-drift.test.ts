import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { hasPostgres, tempDir } from '#tests/tooling/support/databases.ts'
import { prisma } from '#tests/tooling/support/prisma-cli.ts'

const CLI_TIMEOUT_MS = 60_000
const PROVIDERS = ['sqlite', 'postgresql'] as const

/**
 * Where `migrate diff --from-migrations` replays the migrations: SQLite in memory; PostgreSQL in a
 * temporary database the shim creates (and drops) on the TEST_DATABASE_URL server.
 */
function diffDatabaseUrl(provider: (typeof PROVIDERS)[number]): string {
  return provider === 'sqlite' ? 'file::memory:' : (process.env.TEST_DATABASE_URL ?? '')
}

function diffMigrationsToSchema(provider: (typeof PROVIDERS)[number], schemaDir: string) {
  const migrations = path.join('prisma', 'migrations', provider)
  return prisma(
    ['migrate', 'diff', '--from-migrations', migrations, '--to-schema', schemaDir, '--exit-code'],
    diffDatabaseUrl(provider),
  )
}

/** A copy of one provider's schema folder (real files, not the symlink) with an extra field. */
function schemaWithExtraField(provider: (typeof PROVIDERS)[number]): string {
  const dir = path.join(tempDir(), provider)
  fs.mkdirSync(dir)
  fs.copyFileSync(path.join('prisma', provider, 'datasource.prisma'), path.join(dir, 'datasource.prisma'))
  const models = fs.readFileSync(path.join('prisma', 'models.prisma'), 'utf8')
  const changed = models.replace(/^model Throttle \{$/m, 'model Throttle {\n  driftProbe String?')
  expect(changed).not.toBe(models)
  fs.writeFileSync(path.join(dir, 'models.prisma'), changed)
  return dir
}

for (const provider of PROVIDERS) {
  test.skipIf(provider === 'postgresql' && !hasPostgres)(
    `${provider}: the committed migrations produce exactly the schema, and an unmigrated field is reported as drift`,
    async () => {
      const [inSync, drifted] = await Promise.all([
        diffMigrationsToSchema(provider, path.join('prisma', provider)),
        diffMigrationsToSchema(provider, schemaWithExtraField(provider)),
      ])
      expect(inSync.code, inSync.stdout + inSync.stderr).toBe(0)
      expect(drifted.code, drifted.stdout + drifted.stderr).toBe(2)
      expect(drifted.stdout).toContain('driftProbe')
    },
    CLI_TIMEOUT_MS,
  )
}
