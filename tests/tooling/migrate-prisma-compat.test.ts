import { expect, test } from 'vitest'
import { migrateDatabase } from '#app/utils/migrate.server.ts'
import { freshDatabaseUrl, hasPostgres } from '#tests/tooling/support/databases.ts'
import { prisma } from '#tests/tooling/support/prisma-cli.ts'

// The runner and Prisma's CLI (through the offline schema-engine shim) share `_prisma_migrations`:
// each must see the other's work as done, on both providers.

const CLI_TIMEOUT_MS = 60_000
const PROVIDERS = ['sqlite', 'postgresql'] as const

for (const provider of PROVIDERS) {
  const providerTest = test.skipIf(provider === 'postgresql' && !hasPostgres)

  providerTest(
    `${provider}: Prisma's CLI sees a runner-migrated database as up to date and without drift`,
    async () => {
      const url = await freshDatabaseUrl(provider)
      await migrateDatabase(url)
      const [status, drift] = await Promise.all([
        prisma(['migrate', 'status'], url),
        prisma(['migrate', 'diff', '--from-config-datasource', '--to-schema', `prisma/${provider}`, '--exit-code'], url),
      ])
      expect(status.code, status.stdout + status.stderr).toBe(0)
      expect(status.stdout).toContain('Database schema is up to date!')
      expect(drift.code, drift.stdout + drift.stderr).toBe(0)
    },
    CLI_TIMEOUT_MS,
  )

  providerTest(
    `${provider}: after prisma migrate deploy the runner finds nothing left to apply`,
    async () => {
      const url = await freshDatabaseUrl(provider)
      const deploy = await prisma(['migrate', 'deploy'], url)
      expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0)
      expect((await migrateDatabase(url)).applied).toEqual([])
    },
    CLI_TIMEOUT_MS,
  )
}
