// NOTE: oidc-provider ships no types, and @types/oidc-provider is not installed. These declare only what
// Switchboard's authorization server (app/gateway/as) and the test peer (tests/servers/oidc-provider-server.ts) use;
// delete this file once @types/oidc-provider is a dependency.

declare module 'oidc-provider' {
  import { type IncomingMessage, type ServerResponse } from 'node:http'

  export type UnknownObject = Record<string, unknown>

  export type InteractionResults =
    | { login?: { accountId: string; remember?: boolean }; consent?: { grantId?: string } }
    | { error: string; error_description?: string }

  export interface Interaction {
    uid: string
    /** Expiry, epoch seconds. */
    exp: number
    prompt: { name: string; reasons: string[]; details: UnknownObject }
    params: UnknownObject
    session?: { accountId: string; uid: string }
    grantId?: string
    returnTo: string
    result?: InteractionResults
    save(ttlSeconds: number): Promise<string>
  }

  export interface Grant {
    jti: string
    accountId?: string
    clientId?: string
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
    destroy(): Promise<void>
  }

  export interface Client {
    clientId: string
    clientName?: string
    redirectUris: string[]
    /** Set (true) on clients resolved from a Client ID Metadata Document. */
    clientIdMetadataDocument?: boolean
    clientAuthMethod?: string
    grantTypeAllowed(grant: string): boolean
  }

  export interface AccessToken {
    jti: string
    accountId?: string
    clientId?: string
    grantId?: string
    /** The audience: the resource the token was issued for (RFC 8707). */
    aud?: string | string[]
    scope?: string
    /** Expiry, epoch seconds. */
    exp: number
    isExpired: boolean
  }

  /** The parts of Koa's context, with oidc-provider's `ctx.oidc`, that Switchboard and the test peer read. */
  export interface KoaContextWithOIDC {
    method: string
    path: string
    url: string
    status: number
    body: unknown
    type: string
    oidc?: {
      route?: string
      params?: UnknownObject
      entities: { AccessToken?: unknown; RefreshToken?: unknown; ClientCredentials?: unknown }
    }
  }

  /** What `interactionDetails` reads of a Node request: its cookie header (a Remix loader builds this shim). */
  export type InteractionRequest = IncomingMessage | { headers: Record<string, string>; url: string; method: string; socket: object; connection: object }
  export type InteractionResponse = ServerResponse | { getHeader(name: string): undefined; setHeader(name: string, value: unknown): void; removeHeader(name: string): void; headersSent: boolean }

  export class Provider {
    constructor(issuer: string, configuration?: UnknownObject)
    readonly issuer: string
    proxy: boolean
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): this
    on(event: string, listener: (...args: unknown[]) => void): this
    interactionDetails(req: InteractionRequest, res: InteractionResponse): Promise<Interaction>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>
    readonly Grant: {
      new (properties: { accountId: string; clientId: string }): Grant
      find(id: string): Promise<Grant | undefined>
    }
    readonly Client: { find(id: string): Promise<Client | undefined> }
    readonly AccessToken: { find(token: string): Promise<AccessToken | undefined> }
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error
    InvalidGrant: new (description?: string) => Error
    InvalidScope: new (description: string, scope: string) => Error
    InvalidClientMetadata: new (description?: string) => Error
    SessionNotFound: new (description?: string) => Error
  }

  export default Provider
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** An adapter factory with its own storage (the default adapter shares one per process and logs a warning). */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown
}
