// OAuth client registrations: dynamic client registration (DCR) results and the admin's
// pre-registered client secret, encrypted here and decrypted only on use.
import { randomUUID } from 'node:crypto'
import { oauthSecretContext as context } from '#app/oauth/store/secrets.server.ts'
import { decryptSecret, encryptSecret } from '#app/utils/crypto.server.ts'
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import type { TokenAuthMethod } from '#app/oauth/rules.ts'

export type StoredRegistration = {
  id: string
  clientId: string
  clientSecret: string | null
  tokenEndpointAuthMethod: TokenAuthMethod
  clientSecretExpiresAt: Date | null
}

export async function findRegistration(serverId: string, issuer: string, redirectUri: string): Promise<StoredRegistration | null> {
  const row = await getDb().oAuthClientRegistration.findUnique({
    where: { serverId_issuer_redirectUri: { serverId, issuer, redirectUri } },
  })
  if (!row) return null
  // An expired secret (RFC 7591 client_secret_expires_at) is as good as none: register again.
  if (row.clientSecretExpiresAt && row.clientSecretExpiresAt.getTime() <= Date.now()) {
    await discardRegistration(row.id)
    return null
  }
  let clientSecret: string | null = null
  if (row.clientSecret) {
    const decrypted = decryptSecret(row.clientSecret, context('OAuthClientRegistration', 'clientSecret', row.id))
    // A secret that no longer decrypts is useless: register again.
    if (!decrypted.ok) {
      await discardRegistration(row.id)
      return null
    }
    clientSecret = decrypted.value
  }
  return {
    id: row.id,
    clientId: row.clientId,
    clientSecret,
    tokenEndpointAuthMethod: row.tokenEndpointAuthMethod,
    clientSecretExpiresAt: row.clientSecretExpiresAt,
  }
}

export class RegistrationRaceError extends Error {
  override name = 'RegistrationRaceError'
}

/** Stores a DCR result. Throws RegistrationRaceError when another request stored one first. */
export async function saveRegistration(input: {
  serverId: string
  issuer: string
  redirectUri: string
  clientId: string
  clientSecret: string | null
  tokenEndpointAuthMethod: TokenAuthMethod
  clientSecretExpiresAt: Date | null
}): Promise<void> {
  const id = randomUUID()
  try {
    await getDb().oAuthClientRegistration.create({
      data: {
        ...input,
        id,
        clientSecret: input.clientSecret
          ? encryptSecret(input.clientSecret, context('OAuthClientRegistration', 'clientSecret', id))
          : null,
      },
      select: { id: true },
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw new RegistrationRaceError('Another request registered this client first')
    throw error
  }
}

export async function discardRegistration(id: string): Promise<void> {
  await getDb().oAuthClientRegistration.deleteMany({ where: { id } })
}

export async function discardRegistrationsOf(serverId: string, clientId?: string): Promise<void> {
  await getDb().oAuthClientRegistration.deleteMany({ where: { serverId, ...(clientId ? { clientId } : {}) } })
}

/** The admin's pre-registered client secret, decrypted; null when none is set or it no longer decrypts. */
export async function readPreregisteredSecret(serverId: string): Promise<{ secret: string | null; unreadable: boolean }> {
  const row = await getDb().serverOAuthClient.findUnique({ where: { serverId }, select: { clientSecret: true } })
  if (!row?.clientSecret) return { secret: null, unreadable: false }
  const decrypted = decryptSecret(row.clientSecret, preregisteredSecretContext(serverId))
  return decrypted.ok ? { secret: decrypted.value, unreadable: false } : { secret: null, unreadable: true }
}

export function encryptPreregisteredSecret(serverId: string, secret: string): string {
  return encryptSecret(secret, preregisteredSecretContext(serverId))
}

/**
 * NOTE: the secret moved to ServerOAuthClient.clientSecret, but its associated data still names
 * its former column (McpServer/oauthClientSecret/<serverId>), so that secrets stored before the
 * move decrypt (reencrypt.server.ts registers the column with the same context).
 */
function preregisteredSecretContext(serverId: string) {
  return context('McpServer', 'oauthClientSecret', serverId)
}
