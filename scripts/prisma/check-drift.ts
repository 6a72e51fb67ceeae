// `npm run db:drift`: fails when prisma/models.prisma and the committed migrations disagree, on
// SQLite and on PostgreSQL (exit code 2 from `prisma migrate diff --exit-code` means drift).
import { MISSING_POSTGRES_MESSAGE, PROVIDERS, diffDatabaseUrl, diffMigrationsToSchema } from './cli.ts'

const results = await Promise.all(
  PROVIDERS.map(async (provider) => {
    const url = diffDatabaseUrl(provider)
    return { provider, result: url ? await diffMigrationsToSchema(provider, url, '--exit-code') : undefined }
  }),
)

let failed = false
let drifted = false
for (const { provider, result } of results) {
  if (!result) {
    console.error(`${provider}: not checked. ${MISSING_POSTGRES_MESSAGE}`)
    failed = true
  } else if (result.status === 0) {
    console.log(`${provider}: migrations match the schema.`)
  } else if (result.status === 2) {
    failed = true
    drifted = true
    console.error(`${provider}: the schema has changes no migration contains:\n${result.stdout.trim()}\n`)
  } else {
    failed = true
    console.error(`${provider}: prisma migrate diff failed (exit ${result.status}):\n${result.stderr.trim()}\n`)
  }
}
if (drifted) console.error('Create the missing migration with `npm run db:migration:create -- <name>`.')
if (failed) process.exit(1)
