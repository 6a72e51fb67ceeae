import fs from 'node:fs'
import { migrateDatabase } from '#app/utils/migrate.server.ts'
import {
  POSTGRES_TEMPLATE_DB,
  SQLITE_TEMPLATE,
  TEST_TMP_DIR,
  postgresUrlFor,
  recreatePostgresDatabase,
} from '#tests/setup/test-database.ts'

/** Migrates one template database per kind; workers copy it (tests/setup/test-database.ts). */
export default async function globalSetup() {
  fs.mkdirSync(TEST_TMP_DIR, { recursive: true })
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(SQLITE_TEMPLATE + suffix, { force: true })
  await migrateDatabase(`file:${SQLITE_TEMPLATE}`)
  if (process.env.TEST_DATABASE_URL) {
    await recreatePostgresDatabase(POSTGRES_TEMPLATE_DB)
    await migrateDatabase(postgresUrlFor(POSTGRES_TEMPLATE_DB))
  }
}
