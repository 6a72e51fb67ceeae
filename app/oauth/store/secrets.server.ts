// The one place the OAuth store modules (oauth-connection, oauth-flow, oauth-registration,
// pending-tool-call) get the associated data for their encrypted columns: every secret is
// encrypted with associated data naming its row, and decrypted only on use.
import { type SecretContext } from '#app/utils/crypto.server.ts'

/** The associated data of one encrypted OAuth column: its table, column and row id. */
export const oauthSecretContext = (table: string, column: string, rowId: string): SecretContext => ({ table, column, rowId })
