// The OAuth settings of a server an admin changes on its page (and Add / Edit where they set the
// same things): pre-registered client, scopes, sharing, rule exceptions.
import type { ServerSummary } from '#app/models/server.server.ts'
import { writeOAuthClient, writeOAuthExceptions, writeOAuthScopes, writeOAuthShared } from '#app/models/server-oauth-settings.server.ts'
import { encryptPreregisteredSecret } from '#app/oauth/store/registrations.server.ts'
import { OAUTH_EXCEPTIONS, type OAuthException, type TokenAuthMethod, parseOAuthExceptions, serializeOAuthExceptions } from '#app/oauth/rules.ts'
import { commitServerChange } from '#app/servers/change.server.ts'
import { CLIENT_SECRET_MISSING_MESSAGE, isClientSecretMissing, normalizeScopes } from '#app/servers/validation.ts'

export type OAuthClientInput = {
  clientId: string
  /** A new secret; undefined keeps the stored one (of the same client). */
  clientSecret: string | undefined
  authMethod: TokenAuthMethod
}

export type ClientOutcome = { ok: true; changed: boolean } | { ok: false; field: 'clientSecret'; message: string }

/**
 * Sets the pre-registered OAuth client, or removes it (`null`). A change signs everyone out:
 * the tokens issued to the old client are revoked with the old client's credentials.
 */
export async function changeOAuthClient(server: ServerSummary, input: OAuthClientInput | null, actorId: string): Promise<ClientOutcome> {
  if (input && isClientSecretMissing(input, server.hasOAuthClientSecret && input.clientId === server.oauthClientId)) {
    return { ok: false, field: 'clientSecret', message: CLIENT_SECRET_MISSING_MESSAGE }
  }
  // A public client keeps no secret; an empty secret field keeps the stored one.
  const secret = input === null || input.authMethod === 'none' ? null : input.clientSecret
  const changed =
    input === null
      ? server.oauthClientId !== null || server.hasOAuthClientSecret
      : input.clientId !== server.oauthClientId || input.authMethod !== server.oauthTokenAuthMethod || secret !== undefined
  if (!changed) return { ok: true, changed: false }
  await commitServerChange(server, actorId, {
    invalidatesOAuth: true,
    write: () =>
      writeOAuthClient(server, {
        clientId: input?.clientId ?? null,
        authMethod: input?.authMethod ?? null,
        encryptedClientSecret: secret ? encryptPreregisteredSecret(server.id, secret) : secret,
      }),
    audit: () => [
      {
        event: 'oauth.client_changed',
        detail: input ? `Pre-registered client ${input.clientId} (${input.authMethod}); everyone must reconnect` : 'Pre-registered client removed; everyone must reconnect',
      },
    ],
  })
  return { ok: true, changed: true }
}

/** Saves the scopes to request at the next Connect; empty goes back to what the server asks for. */
export async function changeOAuthScopes(server: ServerSummary, scopes: string | undefined, actorId: string): Promise<void> {
  const normalized = normalizeScopes(scopes ?? '') || null
  await commitServerChange(server, actorId, {
    write: () => writeOAuthScopes(server, normalized),
    audit: () => [{ event: 'oauth.scopes_changed', scopes: normalized, detail: normalized ? null : 'Back to what the server asks for' }],
  })
}

/** Switches between one connection per person and one shared connection; every connection is invalidated. */
export async function changeOAuthSharing(server: ServerSummary, shared: boolean, actorId: string): Promise<{ changed: boolean }> {
  if (server.oauthShared === shared) return { changed: false }
  await commitServerChange(server, actorId, {
    invalidatesOAuth: true,
    write: () => writeOAuthShared(server, shared),
    audit: () => [{ event: 'oauth.shared_changed', detail: shared ? 'One shared connection for every member' : 'One connection per person' }],
  })
  return { changed: true }
}

/** Turns one named rule exception on or off (connections stay: the rules apply from the next discovery). */
export async function changeOAuthException(
  server: ServerSummary,
  name: OAuthException,
  enabled: boolean,
  actorId: string,
): Promise<{ changed: boolean }> {
  const current = parseOAuthExceptions(server.oauthExceptions)
  if (current.includes(name) === enabled) return { changed: false }
  const next = enabled ? [...current, name] : current.filter((entry) => entry !== name)
  await commitServerChange(server, actorId, {
    write: () => writeOAuthExceptions(server, serializeOAuthExceptions(next)),
    audit: () => [{ event: 'oauth.exception_toggled', detail: `${OAUTH_EXCEPTIONS[name].label}: ${enabled ? 'enabled' : 'disabled'}` }],
  })
  return { changed: true }
}
