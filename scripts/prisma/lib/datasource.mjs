// What the CLI's `--datasource` JSON points at, parsed once.
import path from 'node:path'

/**
 * @typedef {{ provider: 'sqlite', url: string, file: string }} SqliteTarget
 *   `file` is an absolute path, or `:memory:`.
 * @typedef {{ host: string, port: number, user?: string, password?: string, database: string, ssl?: boolean | object }} PgFields
 * @typedef {{ provider: 'postgresql', url: string, fields: PgFields, schema: string | undefined }} PostgresTarget
 * @typedef {SqliteTarget | PostgresTarget} Target
 */

/** @returns {Target} */
export function parseTarget(url) {
  if (/^postgres(ql)?:\/\//.test(url)) return { provider: 'postgresql', url, ...parsePostgresUrl(url) }
  if (url.startsWith('file:')) return { provider: 'sqlite', url, file: sqliteFile(url) }
  throw new Error(`Unsupported datasource URL scheme (expected file: or postgresql://): ${url.split(':')[0]}:`)
}

/**
 * NOTE: relative SQLite paths resolve against this process's cwd, which the CLI sets to the folder
 * of the Prisma config file, as the native engine does. .config/prisma.ts passes absolute paths.
 */
function sqliteFile(url) {
  const rest = url.slice('file:'.length).split('?')[0] ?? ''
  if (rest === ':memory:' || rest === '') return ':memory:'
  const file = rest.startsWith('//') ? decodeURIComponent(new URL(url).pathname) : rest
  return path.resolve(file)
}

/**
 * Splits a PostgreSQL URL into separate connection fields. NOTE: never hand `pg` a
 * `connectionString` together with another `database`: the connection string wins, which is how
 * adapter-pg's "shadow database" ends up being the main database (gap 5 in
 * docs/decisions/003-prisma-offline.md).
 */
function parsePostgresUrl(url) {
  const parsed = new URL(url)
  const params = parsed.searchParams
  const hostname = params.get('host') ?? decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, '$1')
  /** @type {PgFields} */
  const fields = {
    host: hostname || 'localhost',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres',
    ssl: sslFromMode(params.get('sslmode')),
  }
  return { fields, schema: params.get('schema') ?? undefined }
}

function sslFromMode(mode) {
  switch (mode) {
    case null:
    case 'disable':
      return undefined
    case 'verify-ca':
    case 'verify-full':
      return true
    default:
      // prefer / require / no-verify: encrypt without verifying the certificate, as libpq does.
      return { rejectUnauthorized: false }
  }
}

/** A short description for messages: never includes the password. */
export function describeTarget(target) {
  if (target.provider === 'sqlite') return target.file
  return `${target.fields.host}:${target.fields.port}/${target.fields.database}`
}
