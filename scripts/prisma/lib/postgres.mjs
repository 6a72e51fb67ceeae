// PostgreSQL side of the shim: adapter factory with the workarounds the wasm engine needs.
import { randomUUID } from 'node:crypto'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'

const PG_CHAR_OID = 18
const PG_TEXT_OID = 25

/**
 * NOTE: gap 4 (docs/decisions/003-prisma-offline.md): the engine's catalog queries return
 * columns of the internal type `"char"` (OID 18, e.g. pg_constraint.confdeltype) and adapter-pg
 * throws UnsupportedNativeDataType on it. Their text form is a one-character string, so label
 * them as text before the adapter looks.
 */
class CharAsTextClient extends pg.Client {
  query(config, values, callback) {
    if (typeof values === 'function') return this.query(config, undefined, values)
    if (typeof callback === 'function') {
      return super.query(config, values, (error, result) => callback(error, error ? result : relabelChar(result)))
    }
    if (config && typeof config.submit === 'function') return super.query(config, values)
    return super.query(config, values).then(relabelChar)
  }
}

function relabelChar(result) {
  for (const one of Array.isArray(result) ? result : [result]) {
    for (const field of one?.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID
  }
  return result
}

function quoteIdent(name) {
  return `"${name.replaceAll('"', '""')}"`
}

/** pg pool settings for one database; `?schema=` becomes the search_path (gap 7). */
function poolConfig(fields, schema) {
  return {
    ...fields,
    Client: CharAsTextClient,
    max: 4,
    ...(schema ? { options: `-c search_path=${quoteIdent(schema)}` } : {}),
  }
}

async function connectAdapter(fields, schema, onDispose) {
  if (schema) {
    // The engine's raw SQL ignores `?schema=`; the schema must exist before search_path can use it.
    const client = new pg.Client(fields)
    await client.connect()
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
    } finally {
      await client.end()
    }
  }
  const adapter = await new PrismaPg(poolConfig(fields, schema), schema ? { schema } : undefined).connect()
  sendScriptsAsOneQuery(adapter)
  if (onDispose) {
    const dispose = adapter.dispose.bind(adapter)
    adapter.dispose = async () => {
      await dispose()
      await onDispose()
    }
  }
  return adapter
}

/**
 * NOTE: gap 6 (docs/decisions/003-prisma-offline.md): adapter-pg's executeScript splits on `;`
 * and runs the pieces one by one, which commits half of a failed migration and breaks `$$` bodies
 * and string literals. A simple-protocol query with the whole script runs it as one implicit
 * transaction, as psql would.
 */
function sendScriptsAsOneQuery(adapter) {
  adapter.executeScript = async (script) => {
    try {
      await adapter.underlyingDriver().query(script)
    } catch (error) {
      adapter.onError(error)
    }
  }
}

/**
 * An unbound, migration-aware factory (bind it with bindMigrationAwareSqlAdapterFactory).
 * @param {import('./datasource.mjs').PostgresTarget} target
 */
export function createPostgresFactory(target) {
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connectAdapter(target.fields, target.schema),
    connectToShadowDb: () => connectShadowDb(target),
    closeAll: async () => {},
  }
}

/**
 * A throw-away database on the same server (the role needs CREATEDB). Built from separate fields
 * and closed before it is dropped (gap 5: adapter-pg drops first,
 * which fails while its own pool is still connected, and never closes its admin pool).
 */
async function connectShadowDb(target) {
  const admin = new pg.Client(target.fields)
  // Failures reach the pending query; an 'error' event without a listener would crash the shim.
  admin.on('error', () => {})
  await admin.connect()
  const database = `prisma_migrate_shadow_db_${randomUUID().replaceAll('-', '')}`
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(database)}`)
  } catch (error) {
    await admin.end()
    throw error
  }
  const dropShadow = async () => {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`)
    } finally {
      await admin.end()
    }
  }
  try {
    return await connectAdapter({ ...target.fields, database }, target.schema, dropShadow)
  } catch (error) {
    await dropShadow()
    throw error
  }
}

/** Maps a connection failure to Prisma's error code and message, as the native engine words them. */
export function describePgError(error, target) {
  const { host, port, database } = target.fields
  switch (error?.code) {
    case '3D000':
      return { code: 'P1003', message: `Database \`${database}\` does not exist on the database server at \`${host}:${port}\`.` }
    case '28P01':
    case '28000':
      return { code: 'P1000', message: `Authentication failed against database server at \`${host}\`: ${error.message}` }
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return { code: 'P1001', message: `Can't reach database server at \`${host}:${port}\`` }
    default:
      return { code: null, message: error instanceof Error ? error.message : String(error) }
  }
}

/** Connects once to check the database exists and the credentials work. Throws the pg error. */
export async function checkPgConnection(target) {
  const client = new pg.Client(target.fields)
  await client.connect()
  await client.end()
}

/** CREATE DATABASE through the server's maintenance database. Returns the database name. */
export async function createPgDatabase(target) {
  let lastError
  for (const maintenance of ['postgres', 'template1']) {
    const client = new pg.Client({ ...target.fields, database: maintenance })
    try {
      await client.connect()
    } catch (error) {
      lastError = error
      continue
    }
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(target.fields.database)}`)
      return target.fields.database
    } finally {
      await client.end()
    }
  }
  throw lastError
}
