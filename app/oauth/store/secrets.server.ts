// The one place the OAuth store modules (connections, flows, registrations) get the associated
// data for their encrypted columns: every secret is encrypted with associated data naming its
// row, and decrypted only on use. (Stopped tool calls build the same shape in their own model.)
import { type SecretContext } from '#app/utils/crypto.server.ts'

/** The associated data of one encrypted OAuth column: its table, column and row id. */
export const oauthSecretContext = (table: string, column: string, rowId: string): SecretContext => ({ table, column, rowId })
