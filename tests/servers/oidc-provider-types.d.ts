// NOTE: oidc-provider ships no types, and @types/oidc-provider is not installed. These declare only
// what tests/servers/oidc-provider-server.ts uses; delete this file once @types/oidc-provider is a
// devDependency.

declare module 'oidc-provider' {
  import { type IncomingMessage, type ServerResponse } from 'node:http'

  export type UnknownObject = Record<string, unknown>

  export type InteractionResults =
    | { login?: { accountId: string }; consent?: { grantId?: string } }
    | { error: string; error_description?: string }

  export interface Interaction {
    uid: string
    prompt: { name: string; reasons: string[]; details: UnknownObject }
    params: UnknownObject
    session?: { accountId: string; uid: string }
    grantId?: string
    returnTo: string
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }

  export interface Client {
    clientId: string
    clientName?: string
  }

  /** The parts of Koa's context, with oidc-provider's `ctx.oidc`, that the peer reads. */
  export interface KoaContextWithOIDC {
    method: string
    path: string
    status: number
    body: unknown
    oidc?: {
      route?: string
      params?: UnknownObject
      entities: { AccessToken?: unknown; RefreshToken?: unknown; ClientCredentials?: unknown }
    }
  }

  export class Provider {
    constructor(issuer: string, configuration?: UnknownObject)
    readonly issuer: string
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): this
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>
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
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error
    SessionNotFound: new (description?: string) => Error
  }

  export default Provider
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** An adapter factory with its own storage (the default adapter shares one per process and logs a warning). */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown
}
