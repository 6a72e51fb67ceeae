// `<engine> --datasource <json> cli <command>`: what the CLI runs before RPC mode in
// `migrate dev`, `migrate reset`, `db push` to make sure the database exists.
import { describePgError, checkPgConnection, createPgDatabase } from './postgres.mjs'
import { createSqliteFile, sqliteExists } from './sqlite.mjs'

/**
 * Reports a failure the way the CLI parses it. NOTE: the CLI drops the first stderr line and
 * parses every other line as a JSON log record, looking for an ERROR from
 * `schema_engine::logger` with `fields.error_code` (P1003 means "create it").
 */
function fail(code, message) {
  process.stderr.write('schema-engine shim: command failed\n')
  const record = { level: 'ERROR', fields: { message, error_code: code ?? 'P1000' }, target: 'schema_engine::logger' }
  process.stderr.write(JSON.stringify(record) + '\n')
  return 1
}

/** @returns {Promise<number>} the exit code */
export async function runCliCommand(command, target) {
  if (command === 'can-connect-to-database') {
    if (target.provider === 'sqlite') {
      if (sqliteExists(target.file)) return 0
      return fail('P1003', `Database \`${target.file.split('/').pop()}\` does not exist at \`${target.file}\``)
    }
    try {
      await checkPgConnection(target)
      return 0
    } catch (error) {
      const { code, message } = describePgError(error, target)
      return fail(code, message)
    }
  }
  if (command === 'create-database') {
    try {
      if (target.provider === 'sqlite') createSqliteFile(target.file)
      else await createPgDatabase(target)
      return 0
    } catch (error) {
      const { code, message } = target.provider === 'sqlite' ? { code: null, message: String(error) } : describePgError(error, target)
      return fail(code, message)
    }
  }
  return fail(null, `The schema engine shim does not implement \`cli ${command}\`.`)
}
