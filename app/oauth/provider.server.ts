// Switchboard's one OAuthClientProvider: the MCP SDK's `auth()` runs the Connect step on it
// (registration or Client ID Metadata Document, PKCE, the authorization URL). Everything it
// needs comes from the database rows and the checked discovery; nothing lives in memory
// beyond one request.
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js'
import type {
  AuthorizationServerMetadata,
  OAuthClientInformationFull,
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import { saveRegistration } from '#app/oauth/store/registrations.server.ts'
import type { OAuthDiscovery } from '#app/oauth/metadata.server.ts'
import type { ClientKind, TokenAuthMethod } from '#app/oauth/rules.ts'
import { TOKEN_AUTH_METHODS } from '#app/oauth/rules.ts'

/** The client Switchboard is at one authorization server. */
export type ClientIdentity = {
  kind: ClientKind
  clientId: string
  clientSecret: string | null
  authMethod: TokenAuthMethod
}

/**
 * The method a confidential client asks for at registration: the strongest the server lists
 * (RFC 8414: no list means client_secret_basic).
 */
export function preferredAuthMethod(metadata: AuthorizationServerMetadata): TokenAuthMethod {
  const supported = metadata.token_endpoint_auth_methods_supported
  if (!supported) return 'client_secret_basic'
  if (supported.includes('client_secret_basic')) return 'client_secret_basic'
  if (supported.includes('client_secret_post')) return 'client_secret_post'
  return 'none'
}

function asAuthMethod(value: string | undefined, fallback: TokenAuthMethod): TokenAuthMethod {
  return (TOKEN_AUTH_METHODS as readonly string[]).includes(value ?? '') ? (value as TokenAuthMethod) : fallback
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+')
}

/** Adds client authentication to a token or revocation request, by the identity's method. */
export function applyClientAuthentication(identity: ClientIdentity, headers: Headers, params: URLSearchParams): void {
  if (identity.authMethod === 'client_secret_basic' && identity.clientSecret !== null) {
    const credentials = `${formEncode(identity.clientId)}:${formEncode(identity.clientSecret)}`
    headers.set('Authorization', `Basic ${Buffer.from(credentials).toString('base64')}`)
    return
  }
  params.set('client_id', identity.clientId)
  if (identity.authMethod === 'client_secret_post' && identity.clientSecret !== null) {
    params.set('client_secret', identity.clientSecret)
  }
}

export type ProviderOptions = {
  serverId: string
  discovery: OAuthDiscovery
  redirectUri: string
  publicUrl: string
  /** The Client ID Metadata Document URL, when Switchboard may offer it (https with a path). */
  clientMetadataUrl: string | null
  /** The client to use when known (pre-registered, or a stored registration). */
  identity: ClientIdentity | null
  state: string
}

/** What a Connect produced: where to send the browser, and what the callback will need. */
export type ConnectCapture = {
  authorizationUrl: URL | null
  codeVerifier: string | null
  identity: ClientIdentity | null
}

export class SwitchboardOAuthProvider implements OAuthClientProvider {
  readonly captured: ConnectCapture = { authorizationUrl: null, codeVerifier: null, identity: null }
  readonly clientMetadataUrl: string | undefined
  readonly validateResourceURL?: OAuthClientProvider['validateResourceURL']

  constructor(private readonly options: ProviderOptions) {
    this.captured.identity = options.identity
    // Offered only where the authorization server supports it; `auth()` prefers it to DCR.
    this.clientMetadataUrl =
      options.discovery.metadata.client_id_metadata_document_supported === true && options.clientMetadataUrl
        ? options.clientMetadataUrl
        : undefined
    const { discovery } = options
    if (discovery.resource === null) {
      // Exception `omit_resource`: no RFC 8707 resource parameter at all.
      this.validateResourceURL = () => Promise.resolve(undefined)
    } else if (discovery.resourceMetadata === null) {
      // Legacy discovery: the server URL itself is the resource.
      const resource = discovery.resource
      this.validateResourceURL = () => Promise.resolve(new URL(resource))
    }
    // Otherwise the SDK checks the metadata's resource against the server URL and sends it verbatim.
  }

  get redirectUrl(): string {
    return this.options.redirectUri
  }

  get clientMetadata(): OAuthClientMetadata {
    const metadata: OAuthClientMetadata & { application_type: string } = {
      client_name: 'Switchboard',
      client_uri: this.options.publicUrl,
      redirect_uris: [this.options.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: preferredAuthMethod(this.options.discovery.metadata),
      application_type: 'web',
    }
    return metadata
  }

  state(): string {
    return this.options.state
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    const identity = this.captured.identity
    if (!identity) return undefined
    return identity.clientSecret === null
      ? { client_id: identity.clientId }
      : { client_id: identity.clientId, client_secret: identity.clientSecret }
  }

  async saveClientInformation(information: OAuthClientInformationMixed): Promise<void> {
    if (this.captured.identity) return
    if (this.clientMetadataUrl && information.client_id === this.clientMetadataUrl) {
      this.captured.identity = { kind: 'metadata_document', clientId: information.client_id, clientSecret: null, authMethod: 'none' }
      return
    }
    const full = information as OAuthClientInformationFull
    const secret = full.client_secret ?? null
    const authMethod = asAuthMethod(full.token_endpoint_auth_method, secret ? this.clientMetadata.token_endpoint_auth_method as TokenAuthMethod : 'none')
    await saveRegistration({
      serverId: this.options.serverId,
      issuer: this.options.discovery.issuer,
      redirectUri: this.options.redirectUri,
      clientId: full.client_id,
      clientSecret: secret,
      tokenEndpointAuthMethod: secret ? authMethod : 'none',
      clientSecretExpiresAt: full.client_secret_expires_at ? new Date(full.client_secret_expires_at * 1000) : null,
    })
    this.captured.identity = { kind: 'dynamic', clientId: full.client_id, clientSecret: secret, authMethod: secret ? authMethod : 'none' }
  }

  /** Connect always starts a new authorization: tokens are refreshed elsewhere (oauth/tokens.server.ts). */
  tokens(): OAuthTokens | undefined {
    return undefined
  }

  saveTokens(): void {
    throw new Error('Tokens are exchanged by the callback route, not during Connect')
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.captured.authorizationUrl = authorizationUrl
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.captured.codeVerifier = codeVerifier
  }

  codeVerifier(): string {
    if (!this.captured.codeVerifier) throw new Error('No code verifier for this Connect')
    return this.captured.codeVerifier
  }

  addClientAuthentication = (headers: Headers, params: URLSearchParams): void => {
    if (this.captured.identity) applyClientAuthentication(this.captured.identity, headers, params)
  }

  /** Discovery is done (and checked) before `auth()` runs, so it never falls back on its own. */
  discoveryState(): OAuthDiscoveryState {
    const { discovery } = this.options
    return {
      authorizationServerUrl: discovery.issuer,
      resourceMetadataUrl: discovery.resourceMetadataUrl ?? undefined,
      resourceMetadata: discovery.resourceMetadata ?? undefined,
      authorizationServerMetadata: discovery.metadata,
    }
  }

  saveDiscoveryState(): void {}
}
