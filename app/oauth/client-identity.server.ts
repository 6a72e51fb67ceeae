// The OAuth client for outbound MCP servers (docs/decisions/009-oauth-client-design.md and
// 010-oauth-on-sdk-building-blocks.md): how Switchboard identifies itself at an authorization
// server (a pre-registered client, its Client ID Metadata Document, or Dynamic Client Registration).
// Connect is in oauth/authorize.server.ts, the callback's code exchange in oauth/callback.server.ts,
// revocation and invalidation in oauth/revocation.server.ts, refresh in oauth/tokens.server.ts.
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js'
import { findRegistration, readPreregisteredSecret } from '#app/oauth/store/registrations.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { OAuthProblem } from '#app/oauth/errors.server.ts'
import { type OAuthException, parseOAuthExceptions, type TokenAuthMethod } from '#app/oauth/rules.ts'
import { type ClientIdentity, preferredAuthMethod } from '#app/oauth/provider.server.ts'

export const CALLBACK_PATH = '/oauth/callback'
export const CLIENT_METADATA_PATH = '/oauth/client-metadata.json'

/** The server fields the OAuth client needs. */
export type OAuthServer = {
  id: string
  workspaceId: string
  name: string
  url: string
  configVersion: number
  oauthClientId: string | null
  oauthTokenAuthMethod: TokenAuthMethod | null
  oauthScopes: string | null
  oauthShared: boolean
  oauthExceptions: string
}

export function redirectUri(): string {
  return `${getEnv().PUBLIC_URL}${CALLBACK_PATH}`
}

/** The Client ID Metadata Document's URL, when it can be offered (https with a path). */
export function clientMetadataUrl(): string | null {
  const env = getEnv()
  const url = env.OAUTH_CLIENT_METADATA_URL ?? `${env.PUBLIC_URL}${CLIENT_METADATA_PATH}`
  return url.startsWith('https:') ? url : null
}

/** Switchboard's Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document). */
export function clientMetadataDocument(): Record<string, unknown> | null {
  const url = clientMetadataUrl()
  if (!url) return null
  return {
    client_id: url,
    client_name: 'Switchboard',
    client_uri: getEnv().PUBLIC_URL,
    redirect_uris: [redirectUri()],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'web',
  }
}

export function exceptionsOf(server: OAuthServer): OAuthException[] {
  return parseOAuthExceptions(server.oauthExceptions)
}

export function discoveryTarget(server: OAuthServer) {
  return { id: server.id, url: server.url, exceptions: exceptionsOf(server) }
}

/** The pre-registered client an admin entered, if any. Throws OAuthProblem when its secret is unreadable. */
export async function preregisteredIdentity(server: OAuthServer, metadata: AuthorizationServerMetadata): Promise<ClientIdentity | null> {
  if (!server.oauthClientId) return null
  const { secret, unreadable } = await readPreregisteredSecret(server.id)
  if (unreadable) {
    throw new OAuthProblem(
      'client_secret_unreadable',
      'The stored client secret of this server can no longer be read (the encryption key changed). An admin must enter it again.',
      { status: 500 },
    )
  }
  const chosen = server.oauthTokenAuthMethod
  const authMethod: TokenAuthMethod = secret === null ? 'none' : (chosen ?? preferredAuthMethod(metadata))
  return { kind: 'preregistered', clientId: server.oauthClientId, clientSecret: secret, authMethod: authMethod === 'none' && secret ? 'client_secret_basic' : authMethod }
}

/**
 * The identity a connection or flow was made with, as it is stored now. Null when it is gone.
 * Throws OAuthProblem when a pre-registered secret no longer decrypts.
 */
export async function storedIdentity(
  server: OAuthServer,
  issuer: string,
  metadata: AuthorizationServerMetadata,
  kind: ClientIdentity['kind'],
  clientId: string,
): Promise<ClientIdentity | null> {
  if (kind === 'metadata_document') return clientId === clientMetadataUrl() ? { kind, clientId, clientSecret: null, authMethod: 'none' } : null
  if (kind === 'preregistered') {
    const identity = await preregisteredIdentity(server, metadata)
    return identity && identity.clientId === clientId ? identity : null
  }
  const registration = await findRegistration(server.id, issuer, redirectUri())
  if (!registration || registration.clientId !== clientId) return null
  return { kind, clientId, clientSecret: registration.clientSecret, authMethod: registration.tokenEndpointAuthMethod }
}

/**
 * Whether Switchboard can identify itself at this authorization server without a client an
 * admin registered: by its Client ID Metadata Document (when the server supports them and one
 * can be offered) or by Dynamic Client Registration.
 */
export function canIdentifyWithoutClient(metadata: AuthorizationServerMetadata): boolean {
  return Boolean((clientMetadataUrl() && metadata.client_id_metadata_document_supported === true) || metadata.registration_endpoint)
}
