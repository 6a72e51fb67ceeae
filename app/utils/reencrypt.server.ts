import { z } from 'zod'
import {
  decryptSecret,
  encryptSecret,
  isEncryptedWithCurrentKey,
  type DecryptFailureReason,
} from '#app/utils/crypto.server.ts'
import { databaseKind, type DatabaseKind, type Db } from '#app/utils/db.server.ts'
import { getEnv, type EncryptionKey } from '#app/utils/env.server.ts'

/**
 * Key rotation: moves every stored secret onto the current key (ENCRYPTION_KEYS[0]) so an old
 * key can be removed (docs/decisions/004-secrets-at-rest.md). Works on raw SQL so it covers any
 * registered column on SQLite and PostgreSQL alike.
 */

/**
 * One column holding values from encryptSecret. The SecretContext names `table` and `column`,
 * unless `context` gives the names a moved column's values were encrypted under.
 */
export type EncryptedColumn = { table: string; idColumn: string; column: string; context?: { table: string; column: string } }

/**
 * Every column that holds encrypted secrets. NOTE: a new encrypted column MUST be registered
 * here (with the same table and column names its code passes to encryptSecret), or rotation
 * will skip it and removing the old key will make its values unreadable.
 */
export const encryptedColumns: EncryptedColumn[] = [
  // Static headers of MCP servers (app/models/server-headers.server.ts).
  { table: 'ServerHeader', idColumn: 'id', column: 'value' },
  // OAuth (app/models/oauth-registration, oauth-connection, oauth-flow, pending-tool-call .server.ts):
  // pre-registered client secrets, tokens, DCR secrets, PKCE verifiers, waiting tool calls' arguments.
  // Moved from McpServer.oauthClientSecret; still encrypted under that name (store/registrations.server.ts).
  { table: 'ServerOAuthClient', idColumn: 'serverId', column: 'clientSecret', context: { table: 'McpServer', column: 'oauthClientSecret' } },
  { table: 'OAuthConnection', idColumn: 'id', column: 'accessToken' },
  { table: 'OAuthConnection', idColumn: 'id', column: 'refreshToken' },
  { table: 'OAuthClientRegistration', idColumn: 'id', column: 'clientSecret' },
  { table: 'OAuthFlow', idColumn: 'id', column: 'codeVerifier' },
  { table: 'PendingToolCall', idColumn: 'id', column: 'arguments' },
  // Recorded tool calls' arguments, kept for the caller's history (app/models/tool-call-log.server.ts).
  { table: 'ToolCall', idColumn: 'id', column: 'arguments' },
]

export type ReencryptFailure = { table: string; column: string; rowId: string; reason: DecryptFailureReason }

export type ReencryptSummary = {
  /** Non-null values read. */
  scanned: number
  /** Values rewritten under the current key. */
  reencrypted: number
  /** Values changed by someone else between our read and our write; left as they are. */
  conflicts: number
  /** Values that did not decrypt with any configured key; left as they are. */
  failed: ReencryptFailure[]
}

export type RowOutcome =
  | { status: 'current' }
  | { status: 'reencrypted' }
  | { status: 'conflict' }
  | { status: 'failed'; reason: DecryptFailureReason }

const DEFAULT_BATCH_SIZE = 100
const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/

const RowIdSchema = z.union([z.string(), z.number(), z.bigint()])
const RowsSchema = z.array(z.object({ id: RowIdSchema, value: z.unknown() }))
type RowId = z.infer<typeof RowIdSchema>

/** Double quotes quote identifiers on both SQLite and PostgreSQL; the pattern keeps quotes out. */
function quoteIdentifier(name: string): string {
  if (!IDENTIFIER_PATTERN.test(name)) throw new Error(`Not a plain SQL identifier: ${JSON.stringify(name)}`)
  return `"${name}"`
}

/** The column's identifiers, validated and quoted. Throws on a name that is not a plain identifier. */
function quotedNames(column: EncryptedColumn): { table: string; id: string; col: string } {
  return {
    table: quoteIdentifier(column.table),
    id: quoteIdentifier(column.idColumn),
    col: quoteIdentifier(column.column),
  }
}

function placeholder(kind: DatabaseKind, position: number): string {
  return kind === 'postgresql' ? `$${position}` : '?'
}

/**
 * Re-encrypts one stored value with the current key, writing only if the row still holds
 * `value` (compare-and-swap), so a concurrent write is never overwritten.
 * Throws on invalid identifiers or database errors; an undecryptable value is a `failed` outcome.
 */
export async function reencryptValue(
  db: Db,
  url: string,
  column: EncryptedColumn,
  row: { id: RowId; value: string },
  keys: EncryptionKey[] = getEnv().ENCRYPTION_KEYS,
): Promise<RowOutcome> {
  const context = { table: column.context?.table ?? column.table, column: column.context?.column ?? column.column, rowId: String(row.id) }
  // Decrypt even values already on the current key, so the run also reports damaged rows.
  const decrypted = decryptSecret(row.value, context, keys)
  if (!decrypted.ok) return { status: 'failed', reason: decrypted.reason }
  if (isEncryptedWithCurrentKey(row.value, keys)) return { status: 'current' }
  const next = encryptSecret(decrypted.value, context, keys)
  const kind = databaseKind(url)
  const { table, id, col } = quotedNames(column)
  const compareAndSwap =
    `UPDATE ${table} SET ${col} = ${placeholder(kind, 1)}` +
    ` WHERE ${id} = ${placeholder(kind, 2)} AND ${col} = ${placeholder(kind, 3)}`
  const changed = await db.$executeRawUnsafe(compareAndSwap, next, row.id, row.value)
  return changed === 1 ? { status: 'reencrypted' } : { status: 'conflict' }
}

/**
 * Re-encrypts every registered secret not yet on the current key, reading in batches by id.
 * Rows that fail to decrypt are reported by id and reason and left unchanged.
 * Throws on invalid identifiers, a bad batch size or database errors.
 */
export async function reencryptAll(
  db: Db,
  url: string,
  options: { columns?: EncryptedColumn[]; keys?: EncryptionKey[]; batchSize?: number } = {},
): Promise<ReencryptSummary> {
  const columns = options.columns ?? encryptedColumns
  const keys = options.keys ?? getEnv().ENCRYPTION_KEYS
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be a positive integer')
  if (!keys[0]) throw new Error('No encryption key is configured (ENCRYPTION_KEYS)')
  // Validate every identifier before touching any row.
  columns.forEach(quotedNames)

  const kind = databaseKind(url)
  const summary: ReencryptSummary = { scanned: 0, reencrypted: 0, conflicts: 0, failed: [] }
  for (const column of columns) {
    const { table, id, col } = quotedNames(column)
    const select = `SELECT ${id} AS "id", ${col} AS "value" FROM ${table} WHERE ${col} IS NOT NULL`
    const order = `ORDER BY ${id} LIMIT ${batchSize}`
    // Keyset pagination: rows we rewrite keep their id, so no row is skipped or read twice.
    let after: RowId | undefined
    for (;;) {
      const rows = RowsSchema.parse(
        after === undefined
          ? await db.$queryRawUnsafe(`${select} ${order}`)
          : await db.$queryRawUnsafe(`${select} AND ${id} > ${placeholder(kind, 1)} ${order}`, after),
      )
      for (const row of rows) {
        summary.scanned++
        const rowId = String(row.id)
        const outcome: RowOutcome =
          typeof row.value === 'string'
            ? await reencryptValue(db, url, column, { id: row.id, value: row.value }, keys)
            : { status: 'failed', reason: 'malformed' }
        if (outcome.status === 'reencrypted') summary.reencrypted++
        else if (outcome.status === 'conflict') summary.conflicts++
        else if (outcome.status === 'failed') {
          summary.failed.push({ table: column.table, column: column.column, rowId, reason: outcome.reason })
        }
      }
      const last = rows.at(-1)
      if (!last || rows.length < batchSize) break
      after = last.id
    }
  }
  return summary
}
