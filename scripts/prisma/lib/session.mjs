// One engine on one datasource, with the workarounds for the wasm engine's gaps
// (numbered in docs/decisions/003-prisma-offline.md).
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import { createPgDatabase, createPostgresFactory } from './postgres.mjs'
import { EngineError } from './rpc.mjs'
import { SQLITE_MIGRATIONS_TABLE_DDL, createSqliteFactory, createSqliteFile, deleteSqliteFiles } from './sqlite.mjs'
import { startEngine } from './wasm-engine.mjs'

/** Forwards the engine's JSON log lines to stderr, where the CLI looks for them. */
function logToStderr(line) {
  process.stderr.write(String(line).trimEnd() + '\n')
}

/**
 * The wasm reports connection failures without a Prisma code; the native engine has one, and
 * the CLI prints it. Match on the engine's own wording.
 */
function withConnectionErrorCode(error) {
  const message = error instanceof Error ? error.message : String(error)
  const code = /^Can't reach database server/.test(message)
    ? 'P1001'
    : /^Database `[^`]*` does not exist/.test(message)
      ? 'P1003'
      : /^Authentication failed/.test(message)
        ? 'P1000'
        : null
  return new EngineError(message.trimEnd(), code)
}

/**
 * Starts the engine on the first request, like the native binary, so that a connection failure
 * is answered as an RPC error the CLI can print instead of an early exit it cannot explain.
 * @param {{ target: import('./datasource.mjs').Target, datamodels: Array<[string, string]> | undefined }} options
 */
export function openSession({ target, datamodels }) {
  let factory
  let bound
  let engine

  async function start() {
    factory = target.provider === 'sqlite' ? createSqliteFactory(target) : createPostgresFactory(target)
    bound = bindMigrationAwareSqlAdapterFactory(factory)
    try {
      engine = await startEngine({ datamodels, adapterFactory: bound, log: logToStderr })
    } catch (error) {
      await factory.closeAll()
      factory = undefined
      throw withConnectionErrorCode(error)
    }
  }

  async function stop() {
    engine?.free()
    engine = undefined
    await factory?.closeAll()
  }

  /**
   * NOTE: gap 1: on a fresh SQLite database the wasm engine can answer
   * `P1014 _prisma_migrations does not exist` (seen with `migrate resolve --rolled-back`) instead
   * of creating its table. Create it with Prisma's own DDL and try once more.
   */
  async function withMigrationsTable(call) {
    try {
      return await call()
    } catch (error) {
      const missingTable = error?.code === 'P1014' && /_prisma_migrations/.test(String(error?.message))
      if (!missingTable || target.provider !== 'sqlite') throw error
      await engine.dbExecute({ datasourceType: { tag: 'url', url: target.url }, script: SQLITE_MIGRATIONS_TABLE_DDL })
      return call()
    }
  }

  /**
   * NOTE: the wasm's evaluateDataLoss and createMigration are not given the adapter factory, so
   * they cannot replay migrations into a shadow database ("SQLite/PostgreSQL shadow DB must be
   * provided through an external factory"). They first look in the engine's per-process cache of
   * schemas keyed by the migration list, which diagnoseMigrationHistory fills (with the shadow
   * database) for the migrations applied to the main database. `migrate dev` applies pending
   * migrations before these calls, so diagnosing first makes the two keys equal. Skipped when
   * there is no migration: nothing to replay.
   */
  async function warmMigrationSchemaCache({ migrationsList, filters }) {
    if (migrationsList.migrationDirectories.length === 0) return
    await withMigrationsTable(() =>
      engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: true, filters }),
    )
  }

  const handlers = {
    // The wasm has `version` where the binary's RPC has `getDatabaseVersion`.
    getDatabaseVersion: () => engine.version(),

    // The wasm has no createDatabase: do what the native engine does.
    createDatabase: async () => {
      if (target.provider === 'sqlite') {
        createSqliteFile(target.file)
        return { databaseName: target.file }
      }
      return { databaseName: await createPgDatabase(target) }
    },

    // Gap 3: on SQLite the wasm `reset` only deletes rows; delete the file and start afresh.
    reset: async (params) => {
      if (target.provider !== 'sqlite' || target.file === ':memory:') return engine.reset(params)
      await stop()
      deleteSqliteFiles(target.file)
      createSqliteFile(target.file)
      await start()
      return {}
    },

    diff: async (params, rpc) => {
      const { exitCode, stdout } = await engine.diff(params)
      // The native engine asks the CLI to print (see rpc.mjs); the CLI adds the final newline.
      if (stdout) await rpc.print(stdout.replace(/\n$/, ''))
      return { exitCode }
    },

    applyMigrations: (params) => withMigrationsTable(() => engine.applyMigrations(params)),
    diagnoseMigrationHistory: (params) => withMigrationsTable(() => engine.diagnoseMigrationHistory(params)),
    devDiagnostic: (params) => withMigrationsTable(() => engine.devDiagnostic(params)),
    markMigrationApplied: (params) => withMigrationsTable(() => engine.markMigrationApplied(params)),
    markMigrationRolledBack: (params) => withMigrationsTable(() => engine.markMigrationRolledBack(params)),
    evaluateDataLoss: async (params) => {
      await warmMigrationSchemaCache(params)
      return engine.evaluateDataLoss(params)
    },
    createMigration: async (params) => {
      await warmMigrationSchemaCache(params)
      return engine.createMigration(params)
    },
  }

  let starting
  return {
    /** Runs one RPC method. */
    async call(method, params, rpc) {
      starting ??= start()
      await starting
      const handler = handlers[method]
      if (handler) return handler(params, rpc)
      if (typeof engine[method] !== 'function' || method === 'free' || method.startsWith('__')) {
        throw new EngineError(`The schema engine shim does not implement the method \`${method}\`.`)
      }
      return engine[method](params)
    },
    /** The real error behind `External error id#N` (gap 8), if the adapter registered one. */
    lookUpAdapterError: (id) => bound?.errorRegistry.consumeError(id)?.error,
    close: stop,
  }
}
