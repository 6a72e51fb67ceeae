import type { EndpointTarget } from '#app/gateway/target.ts'

/**
 * Who is calling an MCP endpoint, as the bearer check established it: a person (by their Switchboard account),
 * through one app they allowed at consent (one AgentGrant row), at the one endpoint the token was issued for.
 */
export type AgentCaller = {
  userId: string
  workspaceId: string
  /** The AgentGrant (and oidc-provider grant) id: revoking it cuts the app off. */
  grantId: string
  clientId: string
  /** The app's name as shown at consent. */
  clientName: string
  scopes: string[]
  /** The endpoint the token is bound to (RFC 8707). */
  target: EndpointTarget
}
