import type { AgentCaller } from '#app/gateway/caller.ts'
import type { EndpointTarget } from '#app/gateway/target.ts'

// PLACEHOLDER (issue 13 skeleton): the bearer check against the authorization server's tokens replaces this file.

export type AgentAuthentication = { ok: true; caller: AgentCaller } | { ok: false; response: Response }

/** Who is calling `target`, from the request's bearer token; or the 401/403 answer with its WWW-Authenticate challenge. */
export async function authenticateAgent(_request: Request, _target: EndpointTarget): Promise<AgentAuthentication> {
  return { ok: false, response: new Response(null, { status: 401 }) }
}

/** The endpoint's protected-resource metadata (RFC 9728), or 404 for an endpoint that does not exist. */
export async function protectedResourceMetadataResponse(_target: EndpointTarget): Promise<Response> {
  return new Response(null, { status: 404 })
}
