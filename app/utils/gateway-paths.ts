import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * The paths the workspace MCP endpoint wing (app/gateway) answers before Remix and before the cross-site check:
 * the MCP endpoints `/mcp/<workspace>[/<server>]`, their protected-resource metadata (RFC 9728), and Switchboard's
 * authorization server (`/as/…` and its RFC 8414 metadata). Agents send no Origin and post JSON, so the browser
 * form rules (docs/decisions/008, 011) do not fit them; the wing applies its own (docs/decisions/032).
 */
const GATEWAY_PATH =
  /^\/(?:mcp\/[^/]+(?:\/[^/]+)?\/?$|as\/|\.well-known\/(?:oauth-authorization-server|openid-configuration)$|\.well-known\/oauth-protected-resource\/mcp\/)/

/** True when the path belongs to the gateway wing rather than to a Remix route. */
export function isGatewayPath(pathname: string): boolean {
  return GATEWAY_PATH.test(pathname)
}

/** What `app/entry.server.tsx` exports as `gateway`: the HTTP server hands it the gateway's requests, before Express. */
export type GatewayModule = {
  handle(req: IncomingMessage, res: ServerResponse, context: { clientIp: string }): Promise<void>
}
