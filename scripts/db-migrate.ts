// Applies the committed migrations to DATABASE_URL: `npm run db:migrate`.
// The default matches app/utils/env.server.ts (DATA_DIR ./data, file switchboard.db).
import path from 'node:path'
import { MigrationError, migrateDatabase } from '#app/utils/migrate.server.ts'

const url = process.env.DATABASE_URL ?? `file:${path.resolve(process.env.DATA_DIR ?? './data', 'switchboard.db')}`
const where = url.startsWith('file:') ? url : `${new URL(url).host}${new URL(url).pathname}`

try {
  const { applied } = await migrateDatabase(url, { log: (message) => console.log(message) })
  console.log(applied.length > 0 ? `Applied ${applied.length} migration(s) to ${where}.` : `${where} is up to date.`)
} catch (error) {
  console.error(error instanceof MigrationError ? error.message : error)
  process.exitCode = 1
}
