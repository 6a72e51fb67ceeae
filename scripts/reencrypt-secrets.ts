import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { encryptedColumns, reencryptAll } from '#app/utils/reencrypt.server.ts'

/**
 * Moves every stored secret onto the current key (the first ENCRYPTION_KEYS entry).
 * Run it after prepending a new key on every instance, and remove the old key only after a
 * run that exits 0 (docs/decisions/004-secrets-at-rest.md). Prints counts and row ids, never values.
 */

const env = getEnv()
const db = getDb()
try {
  const currentKeyId = env.ENCRYPTION_KEYS[0]?.id ?? '(none)'
  console.log(`Re-encrypting ${encryptedColumns.length} registered column(s) with key "${currentKeyId}"`)
  const summary = await reencryptAll(db, env.DATABASE_URL)
  console.log(`scanned: ${summary.scanned}`)
  console.log(`re-encrypted: ${summary.reencrypted}`)
  console.log(`changed during the run (left as they are): ${summary.conflicts}`)
  console.log(`failed: ${summary.failed.length}`)
  for (const failure of summary.failed) {
    console.log(`  ${failure.table}.${failure.column} row ${failure.rowId}: ${failure.reason}`)
  }
  if (summary.failed.length > 0) {
    console.log('Some values could not be decrypted with any configured key; they were not changed.')
    process.exitCode = 1
  } else if (summary.conflicts > 0) {
    // A row written while we ran may still be on an old key: only a clean run proves none is.
    console.log('Some values changed while this ran; run it again before removing an old key.')
    process.exitCode = 1
  }
} finally {
  await db.$disconnect()
}
